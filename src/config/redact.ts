// Secrets never leave the process: the configuration as published on bridge/info and logged has
// sensitive keys replaced, and passwords embedded in a broker URL masked.
import { CONFIG_KEYS } from "./schema.js";
import type { Config } from "./types.js";

export const REDACTED = "[redacted]";

/** `mqtt://user:secret@host` → `mqtt://user:[redacted]@host`; other text unchanged. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password === "") return text;
    url.password = REDACTED;
    return url.toString().replace(encodeURIComponent(REDACTED), REDACTED);
  } catch {
    return text;
  }
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
