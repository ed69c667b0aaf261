// What follows from a reading: a register's bits, the feedbacks, and `shutdown_recommended`, all
// written to the state store. Pure over the store; the model calls it for polls, re-reads and the
// register patches alerts apply.
import {
  type BitId,
  DERIVED,
  FEEDBACKS,
  type KeyId,
  REGISTER_MAP,
  SHUTDOWN_INPUTS,
} from "../protocol/catalogue/index.js";
import { decodeRegister, patchMasks } from "../protocol/decoders.js";
import { deriveFeedbacks } from "../protocol/feedbacks.js";
import type { QueryRow, RegisterName, SettingRow, Value } from "../protocol/types.js";
import { type ShutdownThresholds, shutdownRecommended } from "./policy.js";
import type { StateStore } from "./state.js";

/** Stores one decoded query or setting value, its register's bits and the feedbacks derived from it. */
export function applyReading(store: StateStore<KeyId>, row: QueryRow | SettingRow, value: Value): void {
  store.set(row.id, value);
  if (row.register !== null && typeof value === "string" && decodeRegister(row.register, value).ok) {
    const byte = Number.parseInt(value, 16);
    for (const bit of REGISTER_MAP[row.register].bits)
      if (store.has(bit.id)) store.set(bit.id, (byte & (1 << bit.bit)) !== 0);
  }
  const derived = deriveFeedbacks(feedbackInputs(store));
  for (const feedback of FEEDBACKS) if (store.has(feedback.id)) store.set(feedback.id, derived[feedback.id]);
}

/** The queries the feedbacks are derived from: the sources, and the registers `power_state` reads. */
const FEEDBACK_SOURCES: readonly KeyId[] = [
  ...new Set<KeyId>([
    ...FEEDBACKS.map((feedback) => feedback.sourceQuery),
    REGISTER_MAP["~"].query,
    REGISTER_MAP["8"].query,
  ]),
];

/**
 * The stored values `deriveFeedbacks` reads, and only those: this runs at every reply, and a full
 * snapshot of the store (every key, an entry array each) was about a third of what the bridge allocated.
 */
function feedbackInputs(store: StateStore<KeyId>): Record<string, Value | undefined> {
  const inputs: Record<string, Value | undefined> = {};
  for (const id of FEEDBACK_SOURCES) inputs[id] = store.get(id);
  return inputs;
}

/** Stores `shutdown_recommended` from the stored inputs. */
export function updateShutdownRecommended(
  store: StateStore<KeyId>,
  thresholds: ShutdownThresholds,
  testInduced: boolean,
): void {
  const bool = (key: KeyId) => {
    const value = store.get(key);
    return typeof value === "boolean" ? value : null;
  };
  // The first of the keys that holds a number (a feedback, else the query it comes from).
  const num = (keys: readonly KeyId[]) => {
    for (const key of keys) {
      const value = store.get(key);
      if (typeof value === "number") return value;
    }
    return null;
  };
  const recommended = shutdownRecommended(
    {
      onBattery: bool(SHUTDOWN_INPUTS.onBattery),
      lowBattery: bool(SHUTDOWN_INPUTS.lowBattery),
      chargePercent: num(SHUTDOWN_INPUTS.charge),
      runtimeMinutes: num(SHUTDOWN_INPUTS.runtime),
      testInduced,
    },
    thresholds,
  );
  for (const derived of DERIVED) if (store.has(derived.id)) store.set(derived.id, recommended);
}

/** The stored value of a register as a byte; null while unknown. */
export function registerByte(store: StateStore<KeyId>, register: RegisterName): number | null {
  const stored = store.get(REGISTER_MAP[register].query);
  const byte = typeof stored === "string" ? Number.parseInt(stored, 16) : Number.NaN;
  return Number.isNaN(byte) ? null : byte;
}

/**
 * Whether a bit is set in the stored register: from the last poll or re-read, or from the alert
 * that set it (which patched the register).
 */
export function bitSet(store: StateStore<KeyId>, register: RegisterName, bit: BitId): boolean {
  const byte = registerByte(store, register);
  const mask = patchMasks({ register, set: [bit], clear: [] }).set;
  return byte !== null && mask !== 0 && (byte & mask) !== 0;
}
