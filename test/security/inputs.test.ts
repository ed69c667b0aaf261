// Issue 7, security: inputs from MQTT are bounded (payload size, JSON depth, token format) and
// validated before use. End to end through a real broker and the in-process bridge: each hostile
// request gets an error response with a code and a short sentence, and not one byte reaches the UPS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, MAX_PAYLOAD_BYTES } from "../../src/mqtt/envelope.js";
import { firstReadDone, type Harness, startHarness, waitReady } from "../helpers/harness.js";

let h: Harness;

beforeAll(async () => {
  // Polls once a minute: during a request nothing else is sent, so any byte would be the request's.
  // The UPS is on before the bridge connects (its power-on alert would cause reads of its own).
  h = await startHarness({
    env: { UPSLINK_POLL_INTERVAL_MS: "60000", UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: "true" },
    upsOnBeforeConnect: true,
  });
  await waitReady(h);
  await firstReadDone(h.bridge, h.simulator());
});

afterAll(async () => {
  await h.stop();
});

const A = 0x41;

/**
 * Sends a request and returns its response and the bytes the UPS received because of it. The end
 * of "because of it" is positive: a lights test (`A`) requested after the response goes through
 * the same queue, so whatever the request had put there reached the wire before that `A`.
 */
async function hostile(
  path: string,
  payload: string | Buffer,
  responseId: string,
): Promise<{ response: Record<string, unknown>; sent: number[] }> {
  const sim = h.simulator();
  const from = sim.received.length;
  const since = h.messages.length;
  await h.client.publishAsync(`${h.base}/ups/${path}`, payload, { qos: 1 });
  const message = await h.waitFor(`${h.base}/ups/response/${responseId}`, () => true, { since });
  const marker = await h.request(`${h.base}/ups/command/test_lights_beeper`, "", "test_lights_beeper");
  expect(marker.status, "the lights test after the request").toBe("ok");
  const bytes = sim.received.slice(from).map((r) => r.byte);
  expect(bytes.at(-1), "the lights test's A is the last byte").toBe(A);
  return {
    response: JSON.parse(message.payload) as Record<string, unknown>,
    sent: bytes.slice(0, -1),
  };
}

function expectRefused(
  result: { response: Record<string, unknown>; sent: number[] },
  code: string | RegExp,
): void {
  expect(result.response.status).toBe("error");
  const error = result.response.error as { code: string; message: string };
  expect(error.code).toMatch(code);
  // A sentence a user can act on, bounded: the payload is never echoed back whole.
  expect(error.message.length).toBeGreaterThan(10);
  expect(error.message.length).toBeLessThan(400);
  expect(result.sent).toEqual([]);
}

describe("requests from MQTT are bounded and validated before use", () => {
  it("refuses a payload over the size limit", async () => {
    const big = JSON.stringify({ params: {}, transaction: "x".repeat(MAX_PAYLOAD_BYTES) });
    expectRefused(await hostile("command/test_lights_beeper", big, "test_lights_beeper"), "invalid_payload");
  });

  it("refuses JSON nested deeper than the limit without parsing it", async () => {
    const depth = 1500;
    const deep = `{"params": {"x": ${"[".repeat(depth)}${"]".repeat(depth)}}}`;
    expect(Buffer.byteLength(deep)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const result = await hostile("command/test_lights_beeper", deep, "test_lights_beeper");
    expectRefused(result, "invalid_payload");
    expect((result.response.error as { message: string }).message).toContain(String(MAX_JSON_DEPTH));
  });

  it("refuses text that is not UTF-8", async () => {
    const bad = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    expectRefused(await hostile("command/test_lights_beeper", bad, "test_lights_beeper"), "invalid_payload");
  });

  it("refuses unknown fields, including a __proto__ key, and pollutes nothing", async () => {
    const payload = '{"params": {}, "__proto__": {"polluted": true}}';
    expectRefused(
      await hostile("command/test_lights_beeper", payload, "test_lights_beeper"),
      "invalid_payload",
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses malformed, unknown and wrongly shaped confirmation tokens", async () => {
    for (const token of ["../../etc/passwd", "ABCDEF", "g".repeat(32), "0".repeat(33), "' OR 1=1 --"]) {
      expectRefused(await hostile("command/confirm", JSON.stringify({ token }), "confirm"), "invalid_token");
    }
    // Well formed but never issued.
    const unknown = await hostile("command/confirm", JSON.stringify({ token: "0".repeat(32) }), "confirm");
    expect(unknown.response.status).toBe("error");
    expect((unknown.response.error as { code: string }).code).toBe("invalid_token");
    expect(unknown.sent).toEqual([]);
  });

  it("refuses action ids and parameters outside their format", async () => {
    expectRefused(await hostile("command/TEST_LIGHTS", "", "TEST_LIGHTS"), "unknown_action");
    // `@ddd` takes three digits: nothing reaches the UPS for anything else (a stray digit would run as a command).
    for (const tenths of [1000, -1, 1.5, "12a", "9999"]) {
      const result = await hostile(
        "command/shutdown_delayed_wake",
        JSON.stringify({ params: { tenths } }),
        "shutdown_delayed_wake",
      );
      expectRefused(result, "invalid_params");
    }
  });

  it("refuses setting values outside their format before touching the UPS", async () => {
    // `c` takes 8 characters without `-` (seed): a `-` inside would start another edit.
    expectRefused(await hostile("set/ups_id", "AB-CD", "ups_id"), /invalid_params|invalid_payload/);
    expectRefused(await hostile("set/ups_id", "TOO-LONG-NAME", "ups_id"), /invalid_params|invalid_payload/);
    expectRefused(
      await hostile("set/shutdown_delay", "17", "shutdown_delay"),
      /invalid_params|invalid_payload/,
    );
    expectRefused(await hostile("set/no_such_setting", "1", "no_such_setting"), "unknown_setting");
  });
});
