// Issue 12 item 3: once a `c` entry has begun, no other byte goes on the wire until it is complete,
// whatever the UPS answers to `-`. The simulator answers `-` as told (silence, OK, NO, NA, an echo
// of the value, noise) while polls wait for the line; the bytes it received between `-` and the end
// of the entry must be the entry's own, and the result must say what the UPS now holds.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { findSetting } from "../../src/protocol/catalogue/index.js";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import type { SettingRow } from "../../src/protocol/types.js";
import { editSetting } from "../../src/ups/settings.js";
import { type SimRig, settle, simRig } from "../link/helpers.js";

const EDIT = 0x2d;

let rig: SimRig | null = null;
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await rig?.session.stop();
  rig = null;
  vi.useRealTimers();
});

function upsId(): SettingRow {
  const row = findSetting("ups_id");
  if (row === undefined) throw new Error("no ups_id row");
  return row;
}

/** What `-` answers: null is the usual silence; the others as the simulator's fault switch takes them. */
const dashReply = fc.oneof(
  fc.constant(null),
  fc.constantFrom("NO", "NA", "echo", "OK\r\n"),
  // Noise: printable bytes that are no alert, with or without a line end.
  fc
    .tuple(
      fc.string({ unit: fc.constantFrom(..."ABCXYZ0123 xyz.,/;"), minLength: 1, maxLength: 6 }),
      fc.boolean(),
    )
    .map(([text, line]) => (line ? `${text}\r\n` : text)),
);

const wantedId = fc.string({ unit: fc.constantFrom(..."ABMNSX0123_ "), minLength: 1, maxLength: 8 });

describe("a c entry whatever the UPS answers to -", () => {
  it("keeps every other byte off the wire until the entry is complete, and reports what the UPS holds", async () => {
    await fc.assert(
      fc.asyncProperty(dashReply, wantedId, async (reply, wanted) => {
        fc.pre(wanted.trim() !== "" && wanted.padEnd(8, " ") !== "UPS_IDEN");
        const r = simRig("smartups-3g-120");
        rig = r;
        await settle(r.session.start());
        r.sim.setFault("editReply", reply);
        const before = r.sim.state.settings.ups_id;
        const from = r.sim.received.length;
        const edit = editSetting(r.link, upsId(), wanted, null).then(
          (result) => ({ ok: true as const, result }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        // Polls waiting for the line while the edit holds it: `Q` and `f` and `c` itself.
        const polls = ["ups_status_register", "battery_capacity", "ups_id"].map((id) =>
          r.link.query(id as "ups_status_register", "poll").catch(() => "failed"),
        );
        const outcome = await settle(edit);
        await settle(Promise.all(polls));
        const bytes = r.sim.received.slice(from).map((entry) => entry.byte);
        const dash = bytes.indexOf(EDIT);
        expect(dash, "the - went out").toBeGreaterThan(0);
        const padded = wanted.padEnd(8, " ");
        const held = r.sim.state.settings.ups_id;
        if (reply === "NO" || reply === "NA") {
          // Declined: no entry began, so no character of the value may follow (it would run as a command).
          expect(String.fromCharCode(...bytes.slice(dash + 1, dash + 9))).not.toBe(padded);
          expect(held).toBe(before);
          expect(outcome.ok).toBe(false);
          await r.session.stop();
          rig = null;
          return;
        }
        // The entry began: the eight bytes after `-` are the value, nothing else.
        expect(String.fromCharCode(...bytes.slice(dash + 1, dash + 9))).toBe(padded);
        expect(held).toBe(padded);
        if (reply === null) {
          expect(outcome).toMatchObject({ ok: true, result: { changed: true, value: wanted.trim() } });
        } else if (outcome.ok) {
          // An early `OK` is within what the seed allows for `-`; noise without a line end never
          // reaches a reply. Either way the result is what the UPS holds.
          expect(reply === "OK\r\n" || !reply.endsWith("\r\n") || reply.trim() === "").toBe(true);
          expect(outcome.result).toMatchObject({ changed: true, value: wanted.trim() });
        } else {
          const error = outcome.error;
          expect(isUpsLinkError(error)).toBe(true);
          if (isUpsLinkError(error)) {
            expect(error.code).toBe("bad_reply");
            expect(error.context).toMatchObject({ setting: "ups_id", value: wanted.trim() });
            expect(error.message).toContain("now holds");
          }
        }
        await r.session.stop();
        rig = null;
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
