// The history apcupsd users rely on (issue 14 item 9), counted from readings on a fake clock: one
// transfer per transition, a self-test counted as apcupsd counts it, time on battery across a
// restart or a lost link, the self-test result read only when it can be the new one.
import { describe, expect, it } from "vitest";
import { CHECKPOINT_MS, type HistoryRecord, TransferHistory } from "../../src/ups/history.js";

const T0 = Date.UTC(2026, 0, 31, 8, 0, 0);
const s = (seconds: number) => T0 + seconds * 1000;

/** A history with its `changed` notifications counted. */
function tracked(record: HistoryRecord | null = null) {
  const history = new TransferHistory(record);
  const changes = { count: 0 };
  history.on("changed", () => changes.count++);
  return { history, changes };
}

describe("transfer history", () => {
  it("counts one transfer per transition to battery, however many readings show it", () => {
    const { history } = tracked();
    history.status(false, s(0));
    expect(history.values(s(0))).toMatchObject({ transfer_count: 0, time_on_battery: 0 });
    // A poll, the `!` alert's patch and the repeats every 30 s: one transfer.
    for (const at of [1, 1, 2, 31, 61]) history.status(true, s(at));
    expect(history.values(s(61))).toMatchObject({
      transfer_count: 1,
      time_on_battery: 60,
      cumulative_time_on_battery: 60,
      last_transfer_time: new Date(s(1)).toISOString(),
    });
    history.status(false, s(91));
    history.status(false, s(93));
    expect(history.values(s(100))).toMatchObject({
      transfer_count: 1,
      time_on_battery: 0,
      cumulative_time_on_battery: 90,
    });
    history.status(true, s(200));
    history.status(true, s(210));
    expect(history.values(s(210))).toMatchObject({
      transfer_count: 2,
      time_on_battery: 10,
      cumulative_time_on_battery: 100,
      last_transfer_time: new Date(s(200)).toISOString(),
    });
    expect(history.counters()).toMatchObject({
      count: 2,
      onBatterySince: new Date(s(200)),
      lastOnBattery: new Date(s(200)),
      lastOffBattery: new Date(s(91)),
      finishedSeconds: 90,
    });
  });

  it("takes the cause read for the transfer, and forgets the previous one when a new transfer begins", () => {
    const { history } = tracked();
    // No transfer seen yet: a cause says nothing about one of ours.
    history.cause("low_line");
    expect(history.values(s(0)).last_transfer_cause).toBeNull();
    history.status(true, s(0));
    history.cause("low_line");
    history.status(false, s(5));
    expect(history.values(s(5)).last_transfer_cause).toBe("low_line");
    history.status(true, s(50));
    expect(history.values(s(50)).last_transfer_cause).toBeNull();
    history.cause("high_line");
    expect(history.values(s(50)).last_transfer_cause).toBe("high_line");
  });

  it("counts a self-test as a transfer, as apcupsd does, and dates the test from its start", () => {
    const { history } = tracked();
    history.status(true, s(10));
    history.cause("command_test");
    history.status(false, s(18));
    expect(history.values(s(20))).toMatchObject({
      transfer_count: 1,
      cumulative_time_on_battery: 8,
      last_transfer_cause: "command_test",
      last_self_test_time: new Date(s(10)).toISOString(),
    });
    // A power failure later does not move the self-test time.
    history.status(true, s(100));
    history.cause("low_line");
    expect(history.values(s(101)).last_self_test_time).toBe(new Date(s(10)).toISOString());
    expect(history.counters().lastSelfTest).toEqual(new Date(s(10)));
  });

  it("takes a self-test result only from a read begun on line after the last stay ended", () => {
    const { history } = tracked();
    history.testResult("ok", history.mark);
    expect(history.values(s(0)).last_self_test_result).toBe("ok");
    history.status(true, s(10));
    // During the test `X` still holds the previous result.
    history.testResult("ok", history.mark);
    const begunOnBattery = history.mark;
    history.status(false, s(18));
    // Begun before the stay ended: maybe the previous result.
    history.testResult("ok", begunOnBattery);
    expect(history.values(s(18)).last_self_test_result).toBe("ok");
    history.testResult("failed", begunOnBattery);
    expect(history.values(s(18)).last_self_test_result).toBe("ok");
    history.testResult("failed", history.mark);
    expect(history.values(s(19)).last_self_test_result).toBe("failed");
    // A UPS that restarted answers "no result": the last known one stays.
    history.testResult("no_result", history.mark);
    expect(history.values(s(20)).last_self_test_result).toBe("failed");
  });

  it("ends a stay interrupted by a restart at its last sighting, so unseen time is not counted", () => {
    const first = new TransferHistory();
    first.status(true, s(0));
    first.status(true, s(40));
    const saved = first.record();
    expect(saved).toMatchObject({ onBatterySince: s(0), onBatterySeen: s(40), transferCount: 1 });

    const after = new TransferHistory(saved);
    // Until a reading says, the stay is known up to its last sighting.
    expect(after.values(s(600))).toMatchObject({
      transfer_count: 1,
      time_on_battery: 40,
      cumulative_time_on_battery: 40,
    });
    after.status(false, s(600));
    expect(after.values(s(600))).toMatchObject({
      transfer_count: 1,
      time_on_battery: 0,
      cumulative_time_on_battery: 40,
    });
    expect(after.counters().lastOffBattery).toEqual(new Date(s(40)));
  });

  it("goes on with a stay still on battery after a restart, counting it once", () => {
    const first = new TransferHistory();
    first.status(true, s(0));
    first.status(true, s(30));
    const after = new TransferHistory(first.record());
    after.status(true, s(300));
    expect(after.values(s(300))).toMatchObject({
      transfer_count: 1,
      time_on_battery: 300,
      cumulative_time_on_battery: 300,
      last_transfer_time: new Date(s(0)).toISOString(),
    });
  });

  it("treats stopped readings like a restart: the stay ends at its last sighting if it did not go on", () => {
    const { history } = tracked();
    history.status(true, s(0));
    history.status(true, s(20));
    history.readingsStopped();
    // The last known value meanwhile: no flap to unknown at one unanswered poll.
    expect(history.values(s(100)).time_on_battery).toBe(20);
    history.status(false, s(100));
    expect(history.values(s(100))).toMatchObject({ cumulative_time_on_battery: 20, time_on_battery: 0 });
    // Lost while on line: nothing to end.
    history.readingsStopped();
    history.status(true, s(200));
    expect(history.values(s(201))).toMatchObject({ transfer_count: 2, time_on_battery: 1 });
    // One unanswered poll during a stay that goes on: nothing lost, nothing counted twice.
    history.readingsStopped();
    history.status(true, s(260));
    expect(history.values(s(260))).toMatchObject({ transfer_count: 2, time_on_battery: 60 });
  });

  it("asks to be saved on each transition and every CHECKPOINT_MS of a long stay, not at every poll", () => {
    const { history, changes } = tracked();
    for (let at = 0; at < 10; at += 2) history.status(false, s(at));
    expect(changes.count).toBe(0);
    history.status(true, s(10));
    expect(changes.count).toBe(1);
    const polls = (CHECKPOINT_MS / 1000) * 3;
    for (let at = 12; at <= 10 + polls; at += 2) history.status(true, s(at));
    expect(changes.count).toBe(1 + 3);
    history.status(false, s(10 + polls + 2));
    expect(changes.count).toBe(5);
    history.cause("low_line");
    history.cause("low_line");
    expect(changes.count).toBe(6);
  });

  it("never lets the total time on battery go back, even when the clock does", () => {
    const { history } = tracked();
    history.status(true, s(100));
    expect(history.values(s(150)).cumulative_time_on_battery).toBe(50);
    // The clock is set back (NTP) during the stay.
    expect(history.values(s(120)).cumulative_time_on_battery).toBe(50);
    history.status(false, s(90));
    expect(history.values(s(90)).cumulative_time_on_battery).toBe(50);
  });
});
