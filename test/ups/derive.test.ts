// applyReading derives the feedbacks from the few stored values they read, not from a snapshot of
// the whole store (it runs at every reply): the feedbacks must come out as from the whole store.
import { describe, expect, it } from "vitest";
import { FEEDBACKS, type KeyId, REGISTER_MAP, readableRow } from "../../src/protocol/catalogue/index.js";
import { deriveFeedbacks } from "../../src/protocol/feedbacks.js";
import type { Value } from "../../src/protocol/types.js";
import { applyReading } from "../../src/ups/derive.js";
import { StateStore } from "../../src/ups/state.js";

/** A store holding every feedback and its inputs, with `values` stored as they are. */
function storeWith(values: Partial<Record<KeyId, Value>>): StateStore<KeyId> {
  const store = new StateStore<KeyId>();
  store.declare(FEEDBACKS.map((f) => f.id));
  for (const [key, value] of Object.entries(values)) store.set(key as KeyId, value ?? null);
  return store;
}

/** For every feedback's source query, a value the feedback takes (its first word, a number, a byte). */
function sourceValues(): Partial<Record<KeyId, Value>> {
  const values: Partial<Record<KeyId, Value>> = {};
  for (const feedback of FEEDBACKS) {
    if (feedback.derive === "registers") continue;
    values[feedback.sourceQuery] =
      feedback.type === "enum" ? (feedback.values[0] ?? null) : feedback.type === "number" ? 42 : "08";
  }
  return values;
}

const STATUS = REGISTER_MAP.Q.query;
const STATE = REGISTER_MAP["~"].query;
const TRIP = REGISTER_MAP["8"].query;

describe("applyReading", () => {
  // Each case turns on the register that decides power_state, so a missing input shows.
  const cases: { name: string; values: Partial<Record<KeyId, Value>>; power: string }[] = [
    { name: "on line", values: { [STATE]: "00", [TRIP]: "00" }, power: "on_line" },
    { name: "sleeping (8 bit 3)", values: { [STATE]: "00", [TRIP]: "08" }, power: "sleep" },
    { name: "in bypass (~ bit 5)", values: { [STATE]: "20", [TRIP]: "00" }, power: "bypass" },
  ];
  for (const { name, values, power } of cases) {
    it(`derives every feedback as from the whole store: ${name}`, () => {
      const store = storeWith({ ...sourceValues(), ...values });
      applyReading(store, readableRow(STATUS), "08");
      const whole = deriveFeedbacks(store.snapshot());
      for (const feedback of FEEDBACKS) {
        expect(store.get(feedback.id), feedback.id).toEqual(whole[feedback.id]);
        // Every source holds a value its feedback takes: a source left out would leave it null.
        expect(store.get(feedback.id), feedback.id).not.toBeNull();
      }
      expect(store.get("power_state")).toBe(power);
    });
  }
});
