// How values become MQTT payloads (CONTRACT.md "Topics"): plain decimal text on per-value topics,
// `true`/`false` for states, JSON for objects, and `null` for unknown (never an empty payload).
import type { Value } from "../protocol/types.js";

export function valuePayload(value: Value): string {
  if (value === null) return "null";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
