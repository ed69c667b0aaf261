// Validation of action parameters and setting values against the catalogue, before anything is sent.
import { UpsLinkError } from "../protocol/errors.js";
import type { CatalogueRow, ParamSpec, Value } from "../protocol/types.js";

/** Validates an action's params; returns them normalized. Unknown or out-of-range values throw `invalid_params`. */
export function validateParams(
  row: CatalogueRow,
  params: Readonly<Record<string, Value>>,
): Record<string, Value> {
  const known = new Set(row.params.map((p) => p.name));
  for (const name of Object.keys(params)) {
    if (!known.has(name)) {
      const allowed =
        row.params.length === 0 ? "it takes no parameters" : `allowed: ${[...known].join(", ")}`;
      throw new UpsLinkError("invalid_params", `'${row.id}' has no parameter '${name}' (${allowed}).`, {
        action: row.id,
      });
    }
  }
  const out: Record<string, Value> = {};
  for (const spec of row.params) {
    const raw = params[spec.name];
    out[spec.name] = validateOne(row.id, spec, raw);
  }
  return out;
}

function validateOne(id: string, spec: ParamSpec, raw: Value | undefined): Value {
  switch (spec.type) {
    case "integer": {
      // `shutdown_delayed_wake` without `tenths` wakes with no extra delay (NUT's awd default).
      if (raw === undefined || raw === null) return spec.min;
      const n = typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== "number" || !Number.isInteger(n) || n < spec.min || n > spec.max) {
        throw new UpsLinkError(
          "invalid_params",
          `'${spec.name}' of '${id}' must be a whole number from ${spec.min} to ${spec.max} (${spec.description}).`,
          { action: id, param: spec.name },
        );
      }
      return n;
    }
    case "text":
      return validateText(id, spec.name, spec.length, spec.pattern, raw, spec.description);
    case "hex_byte":
      return validateHexByte(id, spec.name, raw);
  }
}

export function validateText(
  id: string,
  name: string,
  length: number,
  pattern: string,
  raw: Value | undefined,
  description: string,
): string {
  if (typeof raw !== "string") {
    throw new UpsLinkError("invalid_params", `'${id}' needs '${name}' as text: ${description}.`, {
      setting: id,
    });
  }
  if (raw.length > length || !new RegExp(pattern).test(raw)) {
    throw new UpsLinkError(
      "invalid_params",
      `'${raw}' is not a valid value for '${id}': ${description} (at most ${length} characters).`,
      { setting: id },
    );
  }
  return raw;
}

export function validateHexByte(id: string, name: string, raw: Value | undefined): string {
  const text = typeof raw === "number" && Number.isInteger(raw) ? raw.toString(16) : raw;
  if (typeof text !== "string" || !/^[0-9a-fA-F]{1,2}$/.test(text)) {
    throw new UpsLinkError(
      "invalid_params",
      `'${name}' of '${id}' must be a byte in hex, 00 to FF (or a number 0 to 255).`,
      { setting: id },
    );
  }
  return text.toUpperCase().padStart(2, "0");
}

/** The bytes of a paced multi-character action (`@ddd`). */
export function actionPayloadBytes(row: CatalogueRow, params: Readonly<Record<string, Value>>): number[] {
  const bytes = [...row.wire.bytes];
  for (const spec of row.params) {
    const value = params[spec.name];
    if (spec.type === "integer" && typeof value === "number") {
      for (const ch of String(value).padStart(spec.digits, "0")) bytes.push(ch.charCodeAt(0));
    }
  }
  return bytes;
}
