// The package version, read once from package.json (works from src/ under tests and from dist/).
import { readFileSync } from "node:fs";

function readVersion(): string {
  const url = new URL("../package.json", import.meta.url);
  const parsed: unknown = JSON.parse(readFileSync(url, "utf8"));
  if (
    typeof parsed === "object" &&
    parsed !== null &&
    "version" in parsed &&
    typeof parsed.version === "string"
  ) {
    return parsed.version;
  }
  return "0.0.0";
}

export const VERSION = readVersion();
export const SUPPORT_URL = "https://github.com/upslink2mqtt/upslink2mqtt";
