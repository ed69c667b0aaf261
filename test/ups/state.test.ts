import { describe, expect, it } from "vitest";
import { StateStore } from "../../src/ups/state.js";

describe("StateStore", () => {
  it("declares keys as null and reports only real changes", () => {
    const store = new StateStore();
    const seen: [string, unknown][] = [];
    store.onChange((k, v) => seen.push([k, v]));
    store.declare(["line_voltage", "on_battery_mode"]);
    expect(store.snapshot()).toEqual({ line_voltage: null, on_battery_mode: null });
    expect(store.set("line_voltage", 121.5)).toBe(true);
    expect(store.set("line_voltage", 121.5)).toBe(false);
    expect(store.set("on_battery_mode", false)).toBe(true);
    expect(store.set("info", { a: [1, 2] })).toBe(true);
    expect(store.set("info", { a: [1, 2] })).toBe(false);
    expect(seen).toEqual([
      ["line_voltage", 121.5],
      ["on_battery_mode", false],
      ["info", { a: [1, 2] }],
    ]);
  });
  it("retain drops unsupported keys and says which", () => {
    const store = new StateStore();
    store.declare(["a", "b", "c"]);
    expect(store.retain(new Set(["a"]))).toEqual(["b", "c"]);
    expect(store.keys()).toEqual(["a"]);
  });
});
