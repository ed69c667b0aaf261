// Secrets never leave the process: the configuration as published on bridge/info and logged has
// sensitive keys replaced, and passwords embedded in a broker URL masked.
import { CONFIG_KEYS } from "./schema.js";
import type { Config } from "./types.js";

export const REDACTED = "[redacted]";

/**
 * `mqtt://user:secret@host` → `mqtt://user:[redacted]@host`; text without a password unchanged.
 * Text that does not parse as a URL with a host (a typo such as `mqtt//user:secret@@:x`, an
 * out-of-range port, a `/` in the password) is redacted too: everything between the user name's
 * `:` and the last `@` goes, so a password can over-redact but never show.
 */
export function redactUrl(text: string): string {
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (url === null || url.host === "") return redactUserinfo(text);
  if (url.password === "") return text;
  url.password = REDACTED;
  return url.toString().replace(encodeURIComponent(REDACTED), REDACTED);
}

/** `[scheme//]user:password@rest` → `[scheme//]user:[redacted]@rest`, by position only. */
function redactUserinfo(text: string): string {
  const at = text.lastIndexOf("@");
  if (at === -1) return text;
  const slashes = text.indexOf("//");
  const start = slashes !== -1 && slashes < at ? slashes + 2 : 0;
  const colon = text.indexOf(":", start);
  if (colon === -1 || colon > at) return text;
  return `${text.slice(0, colon)}:${REDACTED}${text.slice(at)}`;
}

/** A value as shown in an error message: JSON, URLs without their password. */
export function displayValue(path: string, value: unknown): string {
  if (path === "mqtt.url" && typeof value === "string") return JSON.stringify(redactUrl(value));
  return JSON.stringify(value) ?? String(value);
}

const SENSITIVE_PATHS = CONFIG_KEYS.filter((key) => key.sensitive).map((key) => key.path);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The configuration without secrets: every sensitive key that is set becomes "[redacted]" (unset
 * ones stay null, so users can still see whether a password is configured).
 */
export function redactConfig(config: Config): unknown {
  const copy: unknown = structuredClone(config);
  for (const path of SENSITIVE_PATHS) {
    const parts = path.split(".");
    const last = parts.pop();
    let node: unknown = copy;
    for (const part of parts) node = isRecord(node) ? node[part] : undefined;
    if (last !== undefined && isRecord(node) && node[last] !== null && node[last] !== undefined)
      node[last] = REDACTED;
  }
  if (isRecord(copy) && isRecord(copy.mqtt) && typeof copy.mqtt.url === "string")
    copy.mqtt.url = redactUrl(copy.mqtt.url);
  return copy;
}
