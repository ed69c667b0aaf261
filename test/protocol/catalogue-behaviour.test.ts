// Issue 11: the catalogue owns per-opcode behaviour. Every row's behaviour fields must agree with
// its kind, its replies and the rest of the catalogue, so a new row cannot half-describe itself.
import { describe, expect, it } from "vitest";
import { FIRMWARE_UPDATE_KEY } from "../../src/bridge/topics.js";
import { UNIT_DEVICE_CLASSES } from "../../src/homeassistant/units.js";
import { RESERVED_COMMANDS, RESERVED_KEYS } from "../../src/mqtt/topics.js";
import {
  ALL_REGISTER_BITS,
  CATALOGUE,
  DERIVED,
  EVENTS,
  FEEDBACKS,
  KEY_IDS,
  queryRevealing,
  REGISTER_MAP,
  rowById,
  rowsByKind,
  SHUTDOWN_INPUTS,
  SHUTDOWN_METHOD_NAMES,
  SHUTDOWN_METHODS,
} from "../../src/protocol/catalogue/index.js";
import type { Reveals } from "../../src/protocol/catalogue/rows.js";
import { decodeMeasureLimit } from "../../src/protocol/decoders.js";

const actions = rowsByKind("action");
const queries = rowsByKind("query");
const settings = rowsByKind("setting");

describe("actions", () => {
  it("go silent exactly for the shutdowns, which are destructive and answer OK or *", () => {
    const silent = actions.filter((row) => row.effect === "goes_silent").map((row) => row.id);
    expect(silent.sort()).toEqual(
      ["shutdown_delayed_wake", "shutdown_on_battery", "turn_off_after_delay", "turn_off_immediate"].sort(),
    );
    for (const row of actions.filter((r) => r.effect === "goes_silent")) {
      expect(row.destructive, row.id).toBe(true);
      expect(
        row.replies.some((reply) => reply === "OK" || reply === "*"),
        row.id,
      ).toBe(true);
    }
  });

  it("say what every destructive action changes: the line, a commanded transfer, or what to re-read", () => {
    for (const row of actions.filter((r) => r.destructive)) {
      const says =
        row.effect === "goes_silent" ||
        row.effect === "commanded_transfer" ||
        row.reread.length > 0 ||
        row.rereadTier !== null;
      // Ctrl-N powers the output; the seed lists no reply and the next poll of Q shows it.
      if (row.id === "turn_ups_on") expect(says, row.id).toBe(false);
      else expect(says, row.id).toBe(true);
    }
  });

  it("re-read the status register after a commanded transfer, and only queries that are polled", () => {
    for (const row of actions.filter((r) => r.effect === "commanded_transfer")) {
      expect(row.reread, row.id).toContain(REGISTER_MAP.Q.query);
    }
    for (const row of actions) {
      for (const id of [...row.reread, ...(row.rereadLater?.reread ?? [])]) {
        const target = rowById(id);
        expect(target.kind, `${row.id} → ${id}`).toBe("query");
        expect(target.tier, `${row.id} → ${id}`).not.toBe("none");
      }
      if (row.rereadLater !== null) expect(row.rereadLater.afterMs, row.id).toBeGreaterThan(0);
    }
  });

  it("have a refusal sentence exactly when the seed lets them answer NO or ERR", () => {
    for (const row of actions) {
      const replies: readonly string[] = row.replies;
      const refuses = replies.includes("NO") || replies.includes("ERR");
      expect(row.refusal !== null, row.id).toBe(refuses);
      if (row.refusal !== null) {
        expect(row.refusal.code, row.id).toBe("refused_by_ups");
        expect(row.refusal.sentence, row.id).toMatch(/^[A-Z].*\.$/);
      }
    }
    const edit = rowsByKind("modifier")[0];
    expect(edit?.refusal?.code).toBe("edit_locked");
  });

  it("name a real status bit in their interlocks", () => {
    const bits = new Set(ALL_REGISTER_BITS.map((bit) => bit.id));
    const locked = actions.filter((row) => row.interlock !== null);
    expect(locked.map((row) => row.id)).toEqual(["shutdown_on_battery"]);
    for (const row of locked) expect(bits.has(row.interlock?.key ?? "on_line_mode"), row.id).toBe(true);
  });

  it("are buttons unless they enter or leave smart mode, which the bridge does itself", () => {
    for (const row of actions) {
      const modeChange = row.effect === "enters_smart_mode" || row.effect === "leaves_smart_mode";
      expect(row.ha === null, row.id).toBe(modeChange);
      if (row.ha !== null) {
        expect(row.ha.platform, row.id).toBe("button");
        // Only destructive buttons may be discovered disabled (reset_eeprom, bypass, simulated
        // power failure: issue 14); a button's class is one Home Assistant has for buttons.
        if (!row.ha.enabledByDefault) expect(row.destructive, row.id).toBe(true);
        expect([null, "identify", "restart", "update"], row.id).toContain(row.ha.deviceClass);
      }
    }
  });

  it("build the shutdown methods: destructive steps, the wake delay on an integer parameter", () => {
    expect(Object.keys(SHUTDOWN_METHODS)).toEqual([...SHUTDOWN_METHOD_NAMES]);
    for (const name of SHUTDOWN_METHOD_NAMES) {
      const method = SHUTDOWN_METHODS[name];
      expect(method.steps.length, name).toBeGreaterThan(0);
      for (const step of method.steps) {
        const row = rowById(step.action);
        expect(row.kind === "action" && row.destructive, `${name}: ${step.action}`).toBe(true);
        if (step.wakeDelayParam !== null) {
          expect(row.params.find((p) => p.name === step.wakeDelayParam)?.type, name).toBe("integer");
        }
      }
      // The last step is the one that turns the output off.
      const last = method.steps[method.steps.length - 1];
      const lastRow = last === undefined ? null : rowById(last.action);
      expect(lastRow?.kind === "action" && lastRow.effect, name).toBe("goes_silent");
    }
  });
});

describe("queries and settings", () => {
  it("reveal each identity and capability fact through exactly one query", () => {
    const roles: readonly Reveals[] = [
      "model",
      "serial",
      "manufacture_date",
      "firmware",
      "firmware_fallback",
      "commands",
      "setting_values",
      "measure_ups",
    ];
    for (const role of roles) {
      expect(
        queries.filter((row) => row.reveals === role),
        role,
      ).toHaveLength(1);
      const row = queryRevealing(role);
      if (role === "measure_ups") expect(row.needsMeasureUps, role).toBe(true);
      else expect(row.tier, role).toBe("identity");
    }
  });

  it("mark a not-ready reply only where it cannot be a value", () => {
    const marked = queries.filter((row) => row.notReady !== null);
    expect(marked.map((row) => row.id)).toEqual([REGISTER_MAP.Q.query]);
    for (const row of marked) expect(row.decode(row.notReady ?? "").ok, row.id).toBe(false);
  });

  it("give every setting the entry its parameters and ring call for", () => {
    for (const row of settings) {
      const param = row.params[0];
      switch (row.entry) {
        case "ring":
          expect(row.values, row.id).not.toBeNull();
          expect(row.params, row.id).toEqual([]);
          break;
        case "text":
          expect(param?.type, row.id).toBe("text");
          expect(row.values, row.id).toBeNull();
          break;
        case "hex":
          expect(param?.type, row.id).toBe("hex_byte");
          expect(row.values, row.id).toBeNull();
          break;
        case "count":
          expect(row.params, row.id).toEqual([]);
          expect(row.values, row.id).toBeNull();
          expect(row.decode("003"), row.id).toEqual({ ok: true, value: 3 });
          break;
      }
    }
  });

  it("show settings as selects (rings of words), numbers (rings of quantities) and text entities, as configuration", () => {
    for (const row of settings) {
      // A ring with a unit is a quantity, unless a word is among its values (`NO` of `w`).
      const words =
        row.values !== null &&
        Object.values(row.values)
          .flat()
          .some((v) => !/^\d+(\.\d+)?$/.test(v));
      // Measure-UPS limits: real units answer one value per side (`55,50`), which no number holds.
      const pairs = row.decode === decodeMeasureLimit;
      const expected =
        row.entry === "ring"
          ? row.unit !== null && !words && !pairs
            ? "number"
            : "select"
          : row.entry === "text"
            ? "text"
            : null;
      expect(row.ha?.platform ?? null, row.id).toBe(expected);
      if (row.ha !== null) expect(row.ha.category, row.id).toBe("config");
      // A select's words cover its every value; a number's device class fits its unit.
      if (expected === "select" && !pairs && row.values !== null) {
        for (const raw of Object.values(row.values).flat()) {
          const decoded = row.decode?.(raw);
          const published = decoded?.ok === true ? String(decoded.value) : raw.trim();
          const words: Readonly<Record<string, string>> | null = row.words;
          expect(words?.[published], `${row.id} '${raw}' has a word`).toEqual(expect.any(String));
        }
      }
      if (expected === "number" && row.unit !== null)
        expect(UNIT_DEVICE_CLASSES[row.unit], row.id).toContain(row.ha?.deviceClass);
    }
  });

  it("have no entity of their own when a feedback carries the same value or `info` shows the reply", () => {
    for (const row of queries) {
      const covered = FEEDBACKS.some((f) => f.sourceQuery === row.id && f.id !== row.id);
      const inInfo = row.reveals === "commands" || row.reveals === "setting_values";
      expect(row.ha === null, row.id).toBe(covered || inInfo);
      if (row.ha !== null) expect(row.ha.platform, row.id).toBe("sensor");
    }
  });

  it("give sensors with a unit a device class Home Assistant accepts for it", () => {
    for (const row of queries) {
      if (row.ha === null || row.unit === null || row.register !== null) continue;
      expect(UNIT_DEVICE_CLASSES[row.unit], row.id).toContain(row.ha.deviceClass);
    }
    for (const f of FEEDBACKS) {
      if (f.type === "number" && f.unit !== null)
        expect(UNIT_DEVICE_CLASSES[f.unit], f.id).toContain(f.ha.deviceClass);
      if (f.type === "enum") expect(f.ha.deviceClass, f.id).toBe("enum");
    }
  });

  it("hide raw registers as diagnostics", () => {
    for (const row of queries.filter((r) => r.register !== null && r.ha !== null)) {
      expect(row.ha?.category, row.id).toBe("diagnostic");
      expect(row.ha?.enabledByDefault, row.id).toBe(false);
    }
    for (const f of FEEDBACKS.filter((x) => x.type === "hex_byte")) {
      expect(f.ha.category, f.id).toBe("diagnostic");
      expect(f.ha.enabledByDefault, f.id).toBe(false);
    }
  });

  it("carry NUT-shaped names, no two settings sharing one", () => {
    for (const row of CATALOGUE)
      for (const name of row.nut) expect(name, row.id).toMatch(/^[a-z]+(\.[a-z0-9]+)+$/);
    const names = settings.flatMap((row) => row.nut);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("events", () => {
  it("patch only real bits of the register they name, and re-read that register to confirm", () => {
    for (const event of EVENTS) {
      if (event.patch === null) continue;
      const map = REGISTER_MAP[event.patch.register];
      const bits = new Set(map.bits.map((bit) => bit.id));
      for (const id of [...event.patch.set, ...event.patch.clear])
        expect(bits.has(id), `${event.id}: ${id}`).toBe(true);
      expect(
        event.patch.set.filter((id) => event.patch?.clear.includes(id)),
        event.id,
      ).toEqual([]);
      expect(event.patch.set.length + event.patch.clear.length, event.id).toBeGreaterThan(0);
      expect(event.reread, event.id).toContain(map.query);
    }
  });

  it("mark the transfers to and from battery, which patch the on-battery bit", () => {
    for (const event of EVENTS.filter((e) => e.transfer)) {
      const touched = [...(event.patch?.set ?? []), ...(event.patch?.clear ?? [])];
      expect(touched, event.id).toContain(SHUTDOWN_INPUTS.onBattery);
    }
    expect(EVENTS.filter((e) => e.effect === "goes_silent").map((e) => e.char)).toEqual(["*"]);
  });

  it("pair with exactly one opposite, and a return needs a bit its opposite sets and it clears", () => {
    const pairs = new Map<string, string[]>();
    for (const event of EVENTS)
      if (event.pair !== null) pairs.set(event.pair, [...(pairs.get(event.pair) ?? []), event.id]);
    for (const [pair, ids] of pairs) expect(ids, pair).toHaveLength(2);
    const returns = EVENTS.filter((e) => e.returnFrom !== null);
    // `$` from on battery, `+` from low battery (PROTOCOL-NOTES: sent only after `!`, `%`).
    expect(returns.map((e) => e.char)).toEqual(["$", "+"]);
    for (const event of returns) {
      const from = event.returnFrom;
      if (from === null || event.pair === null) continue;
      expect(
        REGISTER_MAP[from.register].bits.map((b) => b.id),
        event.id,
      ).toContain(from.bit);
      const opposite = EVENTS.find((e) => e.pair === event.pair && e.id !== event.id);
      expect(opposite?.returnFrom, event.id).toBeNull();
      expect(opposite?.patch?.register, event.id).toBe(from.register);
      expect(opposite?.patch?.set, event.id).toContain(from.bit);
      expect(event.patch?.clear, event.id).toContain(from.bit);
    }
  });

  it("that only a Measure-UPS sends re-read only Measure-UPS queries", () => {
    for (const event of EVENTS.filter((e) => e.needsMeasureUps)) {
      for (const id of event.reread) expect(rowById(id).needsMeasureUps, `${event.id} → ${id}`).toBe(true);
    }
  });
});

describe("keys", () => {
  it("are unique across queries, settings, feedbacks, bits and derived states, but for the two registers a feedback repeats", () => {
    const repeated = KEY_IDS.filter((id, index) => KEY_IDS.indexOf(id) !== index);
    // `~` and `'` are published once, as the query (feedback state_register and trip1_register
    // carry the same value under the same id).
    expect(repeated.sort()).toEqual(["state_register", "trip1_register"]);
  });

  it("never take a topic level the contract reserves (RESERVED_KEYS), so no key overwrites a topic", () => {
    const reserved = new Set<string>([...RESERVED_KEYS, ...RESERVED_COMMANDS]);
    for (const key of [...KEY_IDS, FIRMWARE_UPDATE_KEY]) expect(reserved.has(key), key).toBe(false);
  });

  it("derive shutdown_recommended from feedbacks and the queries they come from", () => {
    const [charge, chargeQuery] = SHUTDOWN_INPUTS.charge;
    const [runtime, runtimeQuery] = SHUTDOWN_INPUTS.runtime;
    expect(FEEDBACKS.find((f) => f.id === charge)?.sourceQuery).toBe(chargeQuery);
    expect(FEEDBACKS.find((f) => f.id === runtime)?.sourceQuery).toBe(runtimeQuery);
    const cause = FEEDBACKS.find((f) => f.id === SHUTDOWN_INPUTS.transferCause);
    expect(cause?.values).toContain(SHUTDOWN_INPUTS.testCause);
    expect(DERIVED.map((d) => d.inputs)).toEqual([SHUTDOWN_INPUTS]);
  });
});
