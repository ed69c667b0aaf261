// The seed's 16 feedbacks, derived from decoded query values (the output of the row decoders,
// keyed by query id). Pure: the same values always give the same feedbacks.
import { FEEDBACKS, type FeedbackId } from "./catalogue/feedbacks.js";
import { REGISTER_MAP } from "./catalogue/registers.js";
import { formatHexByte, parseHexByte } from "./decoders.js";
import type { Value } from "./types.js";

export type PowerState = "on_line" | "on_battery" | "bypass" | "sleep" | "off";

function byteOf(value: Value | undefined): number | null {
  return typeof value === "string" ? parseHexByte(value) : null;
}

function isSet(byte: number, bit: number): boolean {
  return (byte & (1 << bit)) !== 0;
}

/**
 * `power_state` from `Q` (status), `~` (state) and `8` (trip). In order of precedence:
 * `8` bit 3 (sleeping by `@ddd`) → sleep; `8` bit 4 (shut down by `S`) → off; `~` bits 5, 3 or 1
 * (in bypass: manual, by command, by fault) → bypass; `Q` = `00` → off (PROTOCOL-NOTES: the
 * output is off); `Q` bit 4 → on_battery; `Q` bit 3 → on_line. Null when `Q` is unknown or says
 * neither, and no other register decides.
 */
export function derivePowerState(
  status: Value | undefined,
  state: Value | undefined,
  trip: Value | undefined,
): PowerState | null {
  const tripByte = byteOf(trip);
  if (tripByte !== null && isSet(tripByte, 3)) return "sleep";
  if (tripByte !== null && isSet(tripByte, 4)) return "off";
  const stateByte = byteOf(state);
  if (stateByte !== null && (isSet(stateByte, 5) || isSet(stateByte, 3) || isSet(stateByte, 1)))
    return "bypass";
  const q = byteOf(status);
  if (q === null) return null;
  if (q === 0) return "off";
  if (isSet(q, 4)) return "on_battery";
  if (isSet(q, 3)) return "on_line";
  return null;
}

/** Every feedback value (null when its source is unknown or not of the expected shape). */
export function deriveFeedbacks(
  values: Readonly<Record<string, Value | undefined>>,
): Record<FeedbackId, Value> {
  const read = values;
  const out: Partial<Record<FeedbackId, Value>> = {};
  for (const feedback of FEEDBACKS) {
    const source = read[feedback.sourceQuery];
    if (feedback.derive === "registers") {
      out[feedback.id] = derivePowerState(
        source,
        read[REGISTER_MAP["~"].query],
        read[REGISTER_MAP["8"].query],
      );
      continue;
    }
    switch (feedback.type) {
      case "enum": {
        const allowed: readonly string[] = feedback.values;
        out[feedback.id] = typeof source === "string" && allowed.includes(source) ? source : null;
        break;
      }
      case "number":
        out[feedback.id] = typeof source === "number" && Number.isFinite(source) ? source : null;
        break;
      case "hex_byte": {
        const byte = byteOf(source);
        out[feedback.id] = byte === null ? null : formatHexByte(byte);
        break;
      }
    }
  }
  return out as Record<FeedbackId, Value>;
}
