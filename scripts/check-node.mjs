// `npm test` (and the other scripts that run project code) start here: on a Node.js older than
// package.json `engines.node` they stop with one sentence naming the version to install, instead of
// a crash deep inside Vitest. Plain JavaScript that any Node.js with ES modules reads.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PACKAGE_JSON = fileURLToPath(new URL("../package.json", import.meta.url));

/** `engines.node` of package.json: only the `>=MAJOR.MINOR` form is used (and understood) here. */
export function requiredNode(packageJson = PACKAGE_JSON) {
  const range = JSON.parse(readFileSync(packageJson, "utf8")).engines.node;
  const match = /^>=\s*(\d+)\.(\d+)(?:\.\d+)?$/.exec(range);
  if (match === null)
    throw new Error(`scripts/check-node.mjs understands engines.node ">=X.Y" only, not "${range}"`);
  return { text: `${match[1]}.${match[2]}`, major: Number(match[1]), minor: Number(match[2]) };
}

/** One sentence saying which Node.js to install, or null when `version` (e.g. "20.20.2") is enough. */
export function unsupportedNode(version, required = requiredNode()) {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  if (major > required.major || (major === required.major && minor >= required.minor)) return null;
  return `upslink2mqtt needs Node.js ${required.text} or newer (package.json "engines"), and this is Node.js v${version.replace(/^v/, "")}: install a current Node.js LTS (https://nodejs.org), then run npm install && npm test again.`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problem = unsupportedNode(process.versions.node);
  if (problem !== null) {
    process.stderr.write(`${problem}\n`);
    process.exit(1);
  }
}
