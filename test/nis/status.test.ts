// The `status` records as a pure function of the model's state: apcupsd's words for the unit's codes,
// fields left out when unknown or off, COMMLOST while the link is down, the transfer counters.
import { describe, expect, it } from "vitest";
import { nisUpsId } from "../../src/nis/index.js";
import { type NisSnapshot, statusRecords, type TransferCounters } from "../../src/nis/status.js";

const identity = {
  hostname: "host",
  version: "1.0.0 (upslink2mqtt)",
  upsName: "ups",
  cable: "APC Cable 940-0024C",
  startTime: new Date(2026, 0, 1, 0, 0, 0),
};
const off = { chargeBelowPercent: null, runtimeBelowMinutes: null };
const none: TransferCounters = {
  count: 0,
  onBatterySince: null,
  lastOnBattery: null,
  lastOffBattery: null,
  finishedSeconds: 0,
  lastSelfTest: null,
};
const now = new Date(2026, 0, 1, 0, 10, 0);

const fields = (records: readonly string[]) =>
  new Map(records.map((line) => [line.slice(0, 9).trimEnd(), line.slice(11, -1)] as const));

const onLine: NisSnapshot = {
  online: true,
  model: "Smart-UPS 1500",
  values: {
    ups_status_register: "50",
    on_line_mode: false,
    on_battery_mode: true,
    low_battery_condition: true,
    run_time_remaining: null,
    utility_failure_sensitivity: "A",
    audible_alarm: "N",
    transfer_cause: "command_test",
    battery_test_result: "failed",
    state_register: "1A",
    trip1_register: "02",
    trip_register: "80",
    dip_switch_position: "0F",
    num_battery_packs: 2,
    firmware_version: "GWD",
  },
};

describe("NIS status records", () => {
  it("words the unit's codes as apcupsd does and leaves unknown values out", () => {
    const f = fields(statusRecords(onLine, identity, off, none, now));
    expect(f.get("STATUS")).toBe("ONBATT LOWBATT ");
    expect(f.get("SENSE")).toBe("Auto Adjust");
    expect(f.get("ALARMDEL")).toBe("No alarm");
    expect(f.get("LASTXFER")).toBe("Automatic or explicit self test");
    expect(f.get("SELFTEST")).toBe("BT");
    expect(f.get("REG1")).toBe("0x1A");
    expect(f.get("REG2")).toBe("0x02");
    expect(f.get("REG3")).toBe("0x80");
    expect(f.get("DIPSW")).toBe("0x0F");
    expect(f.get("STATFLAG")).toBe("0x05000050");
    expect(f.get("EXTBATTS")).toBe("2");
    // No `b`: the firmware from `V`; the model from the identity.
    expect(f.get("FIRMWARE")).toBe("GWD");
    expect(f.get("MODEL")).toBe("Smart-UPS 1500");
    // `>>>>:` (null), thresholds off, readings never given: absent, not zero.
    for (const name of ["TIMELEFT", "MBATTCHG", "MINTIMEL", "LINEV", "BCHARGE", "BADBATTS", "SERIALNO"])
      expect(f.has(name), name).toBe(false);
    expect(f.get("MAXTIME")).toBe("0 Seconds");
  });

  it("gives the shutdown thresholds as apcupsd's MBATTCHG and MINTIMEL when configured", () => {
    const f = fields(
      statusRecords(onLine, identity, { chargeBelowPercent: 25, runtimeBelowMinutes: 7.5 }, none, now),
    );
    expect(f.get("MBATTCHG")).toBe("25 Percent");
    expect(f.get("MINTIMEL")).toBe("7.5 Minutes");
  });

  it("says COMMLOST and keeps only the identity while the link is down", () => {
    const f = fields(
      statusRecords(
        {
          ...onLine,
          online: false,
          values: { ...onLine.values, line_voltage: 120, ups_serial_number: "S1" },
        },
        identity,
        off,
        none,
        now,
      ),
    );
    expect(f.get("STATUS")).toBe("COMMLOST ");
    expect(f.get("STATFLAG")).toBe("0x04000100");
    expect(f.has("LINEV")).toBe(false);
    expect(f.has("REG1")).toBe(false);
    expect(f.get("SERIALNO")).toBe("S1");
  });

  it("counts time on battery now and in all", () => {
    const f = fields(
      statusRecords(
        onLine,
        identity,
        off,
        {
          count: 2,
          onBatterySince: new Date(now.getTime() - 90_000),
          lastOnBattery: new Date(now.getTime() - 90_000),
          lastOffBattery: new Date(2026, 0, 1, 0, 5, 0),
          finishedSeconds: 30,
          lastSelfTest: new Date(2026, 0, 1, 0, 4, 30),
        },
        now,
      ),
    );
    expect(f.get("NUMXFERS")).toBe("2");
    expect(f.get("TONBATT")).toBe("90 Seconds");
    expect(f.get("CUMONBATT")).toBe("120 Seconds");
    expect(f.get("XOFFBATT")).toMatch(/^2026-01-01 00:05:00 [+-]\d{4} {2}$/);
    // apcupsd 3.14 prints LASTSTEST, in its date form, only once a self-test was seen.
    expect(f.get("LASTSTEST")).toMatch(/^2026-01-01 00:04:30 [+-]\d{4} {2}$/);
    const order = statusRecords(onLine, identity, off, { ...none, lastSelfTest: now }, now).map((line) =>
      line.slice(0, 9).trimEnd(),
    );
    expect(order.indexOf("LASTSTEST")).toBe(order.indexOf("XOFFBATT") + 1);
    expect(fields(statusRecords(onLine, identity, off, none, now)).has("LASTSTEST")).toBe(false);
  });

  it("serves nis.ups, else the first configured UPS", () => {
    const upses = [{ id: "a" }, { id: "b" }] as never;
    expect(nisUpsId({ nis: { ups: "b" }, upses } as never)).toBe("b");
    expect(nisUpsId({ nis: { ups: null }, upses } as never)).toBe("a");
  });
});
