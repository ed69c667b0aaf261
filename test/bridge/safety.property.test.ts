// Issue 5, safety property: whatever sequence of MQTT messages arrives (destructive and ordinary
// requests, confirms with valid, reused, random and malformed tokens, confirms by action, cancels,
// garbage, retained flags, other UPS ids, waits past expiry), no destructive opcode (K Z S @ U D ^
// Ctrl-N z) reaches the UPS without a matching valid confirmation, and every non-retained message
// to this UPS's command and set topics is answered. The model of valid confirmations is kept here,
// from the tokens the pending responses hand out, never from what the bridge answers to a confirm.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CATALOGUE } from "../../src/protocol/catalogue/index.js";
import { NEEDS_MQTT5, type ReceivedMessage } from "../helpers/broker.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { topics } from "../helpers/requests.js";
import { waitForValue, waitUntil } from "../helpers/wait.js";
import { commandBytes, DESTRUCTIVE_BYTES, escapeByte, mark } from "../helpers/wire.js";

const CONFIRM_TIMEOUT_S = 5;
/** Around the expiry instant the bridge and this model may disagree: no verdict there, either way. */
const EXPIRY_MARGIN_MS = 1500;

const DESTRUCTIVE_ACTIONS = [
  ...CATALOGUE.filter((row) => row.kind === "action" && row.destructive).map((row) => row.id),
  "shutdown_return",
];
const ORDINARY_ACTIONS = ["test_lights_beeper", "abort_shutdown", "set_smart_mode", "battery_test"];
const SETTINGS: Readonly<Record<string, readonly string[]>> = {
  audible_alarm: ["0", "T", "L", "N"],
  utility_failure_sensitivity: ["H", "M", "L"],
};

const byte = (char: string): number => char.charCodeAt(0);
/** What one confirmed execution of each action may put on the wire. */
const ALLOWANCE: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  turn_off_after_delay: [[byte("K"), 2]],
  turn_off_immediate: [[byte("Z"), 2]],
  shutdown_on_battery: [[byte("S"), 1]],
  shutdown_delayed_wake: [[byte("@"), 1]],
  simulate_power_failure: [[byte("U"), 1]],
  run_time_calibration: [[byte("D"), 1]],
  ups_to_bypass_toggle: [[byte("^"), 1]],
  turn_ups_on: [[0x0e, 2]],
  reset_eeprom: [[byte("z"), 1]],
  // The default order: S (on battery only), then @.
  shutdown_return: [
    [byte("S"), 1],
    [byte("@"), 1],
  ],
};

type Target = "ups" | "other";
type TokenPick =
  | { readonly from: "issued"; readonly index: number }
  | { readonly from: "random"; readonly token: string }
  | { readonly from: "malformed"; readonly text: string };

type Step =
  | {
      readonly kind: "request";
      readonly action: string;
      readonly tenths: number | null;
      readonly retained: boolean;
      readonly target: Target;
    }
  | {
      readonly kind: "confirm_token";
      readonly pick: TokenPick;
      readonly retained: boolean;
      readonly target: Target;
    }
  | {
      readonly kind: "confirm_action";
      readonly action: string;
      readonly retained: boolean;
      readonly target: Target;
    }
  | { readonly kind: "cancel_token"; readonly index: number }
  | { readonly kind: "cancel_action"; readonly action: string }
  | { readonly kind: "cancel_all" }
  | { readonly kind: "set"; readonly setting: string; readonly value: string }
  | {
      readonly kind: "garbage";
      readonly where: "command" | "confirm" | "cancel" | "set";
      readonly id: string;
      readonly payload: string;
    }
  | { readonly kind: "expire" };

const target = fc.constantFrom<Target>("ups", "ups", "ups", "other");
const retained = fc.boolean().map((b) => b && Math.random() < 0.5);
const destructive = fc.constantFrom(...DESTRUCTIVE_ACTIONS);

/** Noise: messages that do not follow a request of their own. */
const noise: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("request" as const),
      action: fc.oneof(
        { weight: 2, arbitrary: destructive },
        { weight: 1, arbitrary: fc.constantFrom(...ORDINARY_ACTIONS) },
      ),
      tenths: fc.option(fc.oneof(fc.integer({ min: 0, max: 999 }), fc.integer({ min: -5, max: 2000 })), {
        nil: null,
      }),
      retained,
      target,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("confirm_token" as const),
      pick: fc.oneof<fc.WeightedArbitrary<TokenPick>[]>(
        { weight: 3, arbitrary: fc.nat(20).map((index) => ({ from: "issued" as const, index })) },
        {
          weight: 1,
          arbitrary: fc.stringMatching(/^[0-9a-f]{32}$/).map((token) => ({ from: "random" as const, token })),
        },
        {
          weight: 1,
          arbitrary: fc
            .string({ maxLength: 40 })
            .map((text) => ({ from: "malformed" as const, text: `x${text}` })),
        },
      ),
      retained,
      target,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("confirm_action" as const),
      action: destructive,
      retained,
      target,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel_token" as const), index: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel_action" as const), action: destructive }) },
  { weight: 1, arbitrary: fc.constant({ kind: "cancel_all" as const }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...Object.keys(SETTINGS)).chain((setting) =>
      fc.record({
        kind: fc.constant("set" as const),
        setting: fc.constant(setting),
        value: fc.constantFrom(...(SETTINGS[setting] ?? []), "Q", "999"),
      }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("garbage" as const),
      where: fc.constantFrom("command" as const, "confirm" as const, "cancel" as const, "set" as const),
      id: fc.oneof(destructive, fc.constantFrom(...ORDINARY_ACTIONS, "audible_alarm")),
      // `#` first: never a bare token or action id, never JSON.
      payload: fc.string({ maxLength: 30 }).map((s) => `#${s}`),
    }),
  },
);

/** What may follow a destructive request: confirms of its token (again: reuse), by action, cancels, a wait past expiry. */
type FollowUp = "confirm" | "confirm_retained" | "confirm_other_ups" | "confirm_action" | "cancel" | "expire";
const followUp: fc.Arbitrary<FollowUp> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("confirm" as const) },
  { weight: 1, arbitrary: fc.constant("confirm_retained" as const) },
  { weight: 1, arbitrary: fc.constant("confirm_other_ups" as const) },
  { weight: 3, arbitrary: fc.constant("confirm_action" as const) },
  { weight: 1, arbitrary: fc.constant("cancel" as const) },
  { weight: 1, arbitrary: fc.constant("expire" as const) },
);

/** The step each follow-up is, for a request of `action` (index -1: the latest issued token). */
const FOLLOW_UP_STEP = (action: string): Record<FollowUp, Step> => {
  const latest = { from: "issued" as const, index: -1 };
  return {
    confirm: { kind: "confirm_token", pick: latest, retained: false, target: "ups" },
    confirm_retained: { kind: "confirm_token", pick: latest, retained: true, target: "ups" },
    confirm_other_ups: { kind: "confirm_token", pick: latest, retained: false, target: "other" },
    confirm_action: { kind: "confirm_action", action, retained: false, target: "ups" },
    cancel: { kind: "cancel_token", index: -1 },
    expire: { kind: "expire" },
  };
};

/** A destructive request and what follows it, as steps (the token is the latest issued one). */
const episode: fc.Arbitrary<Step[]> = fc
  .record({
    action: destructive,
    tenths: fc.option(fc.integer({ min: 0, max: 999 }), { nil: null }),
    follow: fc.array(followUp, { minLength: 1, maxLength: 3 }),
  })
  .map(({ action, tenths, follow }) => [
    { kind: "request" as const, action, tenths, retained: false, target: "ups" as const },
    ...follow.map((f): Step => FOLLOW_UP_STEP(action)[f]),
  ]);

const scenario: fc.Arbitrary<Step[]> = fc
  .array(fc.oneof({ weight: 2, arbitrary: episode }, { weight: 1, arbitrary: noise.map((s) => [s]) }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.flat())
  // One wait past expiry per run at most: each costs the whole confirm timeout.
  .map((steps) =>
    steps.filter((s, i) => s.kind !== "expire" || steps.findIndex((x) => x.kind === "expire") === i),
  );

interface Issued {
  readonly token: string;
  readonly action: string;
  readonly expiresAt: number;
  /** live: confirmable; dead: used, cancelled or expired; maybe: the bridge may or may not still hold it. */
  state: "live" | "dead" | "maybe";
}

interface Grant {
  readonly at: number;
  readonly left: Map<number, number>;
  readonly why: string;
}

let h: Harness;
let run = 0;
/** Destructive bytes seen over all runs: the property is not vacuous. */
let destructiveSeen = 0;

beforeAll(async () => {
  h = await startHarness({
    env: {
      UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: "true",
      UPSLINK_COMMANDS_CONFIRM_TIMEOUT_S: String(CONFIRM_TIMEOUT_S),
    },
  });
  await waitReady(h);
});

afterAll(async () => {
  await h?.stop();
});

function responseMessages(since: number): ReceivedMessage[] {
  const prefix = `${h.base}/ups/response/`;
  return h.messages.slice(since).filter((m) => m.topic.startsWith(prefix));
}

async function waitResponse(
  since: number,
  match: (m: ReceivedMessage, body: { transaction?: unknown }) => boolean,
  what: string,
) {
  const found = await waitForValue(
    `a response to ${what}`,
    () => responseMessages(since).find((m) => match(m, JSON.parse(m.payload) as { transaction?: unknown })),
    { timeoutMs: 20_000 },
  );
  return JSON.parse(found.payload) as { status: string; error: { code: string } | null; data: unknown };
}

/** An issued token by index; -1 is the latest one. */
function pickIssued(issued: readonly Issued[], index: number): Issued | undefined {
  if (issued.length === 0) return undefined;
  return index < 0 ? issued.at(-1) : issued[index % issued.length];
}

/** Liveness of a token at `now`, as far as this model can tell. */
function liveness(entry: Issued, now: number): Issued["state"] {
  if (entry.state === "dead") return "dead";
  if (now > entry.expiresAt + EXPIRY_MARGIN_MS) return "dead";
  if (now >= entry.expiresAt - EXPIRY_MARGIN_MS) return "maybe";
  return entry.state;
}

it("never sends a destructive opcode without a matching valid confirmation, and answers every request", async (ctx) => {
  // MQTT 3.1.1 (the embedded broker) clears the retain flag on delivery to existing subscribers: a
  // retained publish is then indistinguishable from a fresh request, and the retained steps could
  // not be checked. Only an MQTT 5 broker (retain as published) runs the whole property.
  ctx.skip(!h.broker.mqtt5, NEEDS_MQTT5);
  await fc.assert(
    fc.asyncProperty(scenario, async (steps) => {
      run++;
      const t = topics(h);
      const other = topics(h, "other");
      const sim = h.simulator();
      const from = mark(sim);
      const runStart = h.messages.length;
      const issued: Issued[] = [];
      const grants: Grant[] = [];
      const unanswered: string[] = [];
      const grant = (action: string, at: number, why: string) => {
        grants.push({ at, left: new Map(ALLOWANCE[action] ?? []), why });
      };

      /** Publishes; an ignored message (retained or another UPS) must get no answer, the others one. */
      const send = async (
        topic: string,
        payload: string,
        options: { retained: boolean; target: Target; tx: string | null; expectOn?: string },
      ) => {
        const since = h.messages.length;
        const at = Date.now();
        await h.publish(topic, payload, { retain: options.retained });
        if (options.retained) await h.publish(topic, "", { retain: true });
        if (options.retained || options.target === "other") {
          if (options.tx !== null) unanswered.push(options.tx);
          return { at, response: null };
        }
        const response =
          options.tx !== null
            ? await waitResponse(since, (_m, body) => body.transaction === options.tx, `${topic} ${payload}`)
            : await waitResponse(
                since,
                (m, body) => m.topic === options.expectOn && body.transaction === null,
                `${topic} ${payload}`,
              );
        return { at, response };
      };

      for (const [index, s] of steps.entries()) {
        const tx = `r${run}s${index}`;
        const to = (tgt: Target) => (tgt === "ups" ? t : other);
        switch (s.kind) {
          case "request": {
            const params =
              s.action === "shutdown_delayed_wake" && s.tenths !== null ? { tenths: s.tenths } : {};
            const { response } = await send(
              to(s.target).command(s.action),
              JSON.stringify({ params, transaction: tx }),
              {
                retained: s.retained,
                target: s.target,
                tx,
              },
            );
            if (response === null) break;
            if (DESTRUCTIVE_ACTIONS.includes(s.action)) {
              expect(response.status, `${s.action} must not run without confirmation`).not.toBe("ok");
            }
            if (response.status === "pending") {
              const data = response.data as { token: string; action: string; expires_at: string };
              expect(data.action).toBe(s.action);
              issued.push({
                token: data.token,
                action: data.action,
                expiresAt: Date.parse(data.expires_at),
                state: "live",
              });
            }
            break;
          }
          case "confirm_token": {
            const entry = s.pick.from === "issued" ? pickIssued(issued, s.pick.index) : undefined;
            const token =
              entry?.token ??
              (s.pick.from === "random"
                ? s.pick.token
                : s.pick.from === "malformed"
                  ? s.pick.text
                  : "f".repeat(32));
            const now = Date.now();
            const state = entry === undefined ? "dead" : liveness(entry, now);
            const counts = !s.retained && s.target === "ups";
            if (counts && entry !== undefined && state !== "dead") {
              grant(entry.action, now, `confirm ${entry.action} ${token}`);
              entry.state = "dead";
            }
            const { response } = await send(
              to(s.target).confirm,
              JSON.stringify({ token, transaction: tx }),
              {
                retained: s.retained,
                target: s.target,
                tx,
              },
            );
            if (response === null) break;
            if (state === "dead") expect(response.status, `confirm of a dead token ${token}`).toBe("error");
            if (state === "dead")
              expect(["invalid_token", "invalid_payload"]).toContain(response.error?.code);
            if (state === "live") expect(response.error?.code ?? "none").not.toBe("invalid_token");
            break;
          }
          case "confirm_action": {
            const now = Date.now();
            const candidates = issued
              .filter((e) => e.action === s.action)
              .map((e) => ({ e, state: liveness(e, now) }));
            const live = candidates.filter((c) => c.state === "live");
            const maybe = candidates.filter((c) => c.state === "maybe");
            const counts = !s.retained && s.target === "ups";
            if (counts && live.length + maybe.length > 0 && (live.length <= 1 || maybe.length > 0)) {
              // Exactly one may run. Which one is unknown when some are near expiry: all become uncertain.
              grant(s.action, now, `confirm by action ${s.action}`);
              for (const c of [...live, ...maybe])
                c.e.state = live.length === 1 && maybe.length === 0 ? "dead" : "maybe";
            }
            const { response } = await send(
              to(s.target).confirm,
              JSON.stringify({ action: s.action, transaction: tx }),
              {
                retained: s.retained,
                target: s.target,
                tx,
              },
            );
            if (response === null || maybe.length > 0) break;
            if (live.length !== 1)
              expect(response.error?.code, `confirm by action with ${live.length} pending`).toBe(
                "invalid_token",
              );
            else expect(response.error?.code ?? "none").not.toBe("invalid_token");
            break;
          }
          case "cancel_token": {
            const entry = pickIssued(issued, s.index);
            const token = entry?.token ?? "0".repeat(32);
            const state = entry === undefined ? "dead" : liveness(entry, Date.now());
            const { response } = await send(t.cancel, JSON.stringify({ token, transaction: tx }), {
              retained: false,
              target: "ups",
              tx,
            });
            if (entry !== undefined) entry.state = "dead";
            if (state === "live") expect(response?.status).toBe("cancelled");
            if (state === "dead") expect(response?.error?.code).toBe("invalid_token");
            break;
          }
          case "cancel_action":
          case "cancel_all": {
            const payload =
              s.kind === "cancel_all" ? { transaction: tx } : { action: s.action, transaction: tx };
            const { response } = await send(t.cancel, JSON.stringify(payload), {
              retained: false,
              target: "ups",
              tx,
            });
            for (const e of issued) if (s.kind === "cancel_all" || e.action === s.action) e.state = "dead";
            expect(["cancelled", "error"]).toContain(response?.status);
            break;
          }
          case "set": {
            const { response } = await send(
              t.set(s.setting),
              JSON.stringify({ value: s.value, transaction: tx }),
              {
                retained: false,
                target: "ups",
                tx,
              },
            );
            expect(["ok", "error"]).toContain(response?.status);
            break;
          }
          case "garbage": {
            const topic =
              s.where === "command"
                ? t.command(s.id)
                : s.where === "set"
                  ? t.set(s.id)
                  : s.where === "confirm"
                    ? t.confirm
                    : t.cancel;
            const responseId = s.where === "command" || s.where === "set" ? s.id : s.where;
            const { response } = await send(topic, s.payload, {
              retained: false,
              target: "ups",
              tx: null,
              expectOn: t.response(responseId),
            });
            expect(response?.status).toBe("error");
            break;
          }
          case "expire": {
            // Every token not yet used up runs out: one this model knows to be pending must be
            // announced expired by the bridge (`confirmation_expired`); one it cannot tell apart from a
            // used one (confirmed by action among several) is dead once past its expiry beyond doubt.
            const open = issued.filter((e) => e.state !== "dead");
            const expired = (e: Issued) =>
              h.messages
                .slice(runStart)
                .some(
                  (m) =>
                    m.topic === t.event &&
                    m.payload.includes('"confirmation_expired"') &&
                    m.payload.includes(e.token),
                );
            await waitUntil(
              "the pending tokens to expire",
              () =>
                open.every(
                  (e) => expired(e) || (e.state === "maybe" && Date.now() > e.expiresAt + EXPIRY_MARGIN_MS),
                ),
              {
                timeoutMs: CONFIRM_TIMEOUT_S * 1000 + EXPIRY_MARGIN_MS + 10_000,
                intervalMs: 50,
                context: () => `pending: ${h.last(t.pending)}`,
              },
            );
            for (const e of open) e.state = "dead";
            break;
          }
        }
      }

      // Barrier: a command that goes through the link queue (FIFO among user requests) is answered
      // only after anything queued before it went on the wire.
      // Asked again until it passes: an earlier step may leave the unit unable to run it for a while.
      let attempt = 0;
      let refusal = "";
      await waitUntil(
        "the barrier to go through",
        async () => {
          const since = h.messages.length;
          const barrierTx = `r${run}-barrier${attempt++}`;
          await h.publish(t.command("test_lights_beeper"), JSON.stringify({ transaction: barrierTx }));
          const response = await waitResponse(since, (_m, body) => body.transaction === barrierTx, "barrier");
          refusal = JSON.stringify(response);
          return response.status === "ok";
        },
        { timeoutMs: 20_000, intervalMs: 200, context: () => `last answer: ${refusal}` },
      );

      // Ignored messages got no answer.
      const answeredIgnored = responseMessages(runStart).filter((m) =>
        unanswered.some((tx) => m.payload.includes(`"transaction":"${tx}"`)),
      );
      expect(answeredIgnored, "retained or foreign messages were answered").toEqual([]);
      expect(
        h.messages.slice(runStart).filter((m) => m.topic.startsWith(`${h.base}/other/response/`)),
      ).toEqual([]);

      // Every destructive byte on the wire is covered by a valid confirmation published before it.
      for (const received of commandBytes(sim, from)) {
        if (!DESTRUCTIVE_BYTES.has(received.byte)) continue;
        const covering = grants.find((g) => g.at <= received.at && (g.left.get(received.byte) ?? 0) > 0);
        if (covering === undefined) {
          throw new Error(
            `'${escapeByte(received.byte)}' (${DESTRUCTIVE_BYTES.get(received.byte)}) reached the UPS without a valid confirmation; steps: ${JSON.stringify(steps)}`,
          );
        }
        covering.left.set(received.byte, (covering.left.get(received.byte) ?? 0) - 1);
        destructiveSeen++;
      }

      // Reset for the next run: nothing stays pending.
      const since = h.messages.length;
      await h.publish(t.cancel, JSON.stringify({ transaction: `r${run}-reset` }));
      await waitResponse(since, (_m, body) => body.transaction === `r${run}-reset`, "reset");
      await waitUntil("nothing pending after the reset", () => h.last(t.pending) === "[]", {
        timeoutMs: 10_000,
        context: () => `pending: ${h.last(t.pending)}`,
      });
    }),
    { numRuns: 20, endOnFailure: true },
  );
  expect(destructiveSeen).toBeGreaterThan(0);
}, 300_000);
