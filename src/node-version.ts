// The Node.js versions upslink2mqtt runs on, checked before anything else is loaded (src/main.ts).
// This module imports nothing and uses nothing newer than Node.js 12, so that an older Node reads it
// and says what to install instead of failing on some missing API later.

/** The lowest supported Node.js: package.json `engines.node` is `>=` this (a test keeps them equal). */
export const REQUIRED_NODE = "22.12";

/** One sentence saying which Node.js to install, or null when `version` (e.g. "20.20.2") is enough. */
export function unsupportedNode(version: string): string | null {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  const [needMajor = 0, needMinor = 0] = REQUIRED_NODE.split(".").map(Number);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return null;
  return `upslink2mqtt needs Node.js ${REQUIRED_NODE} or newer, and this is Node.js ${version.replace(/^v?/, "v")}: install a current Node.js LTS (https://nodejs.org) and start it again.`;
}
