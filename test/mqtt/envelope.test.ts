import { describe, expect, it } from "vitest";
import {
  envelope,
  errorResponse,
  MAX_JSON_DEPTH,
  MAX_PAYLOAD_BYTES,
  okResponse,
  parseCancelPayload,
  parseCommandPayload,
  parseConfirmPayload,
  parseSetPayload,
  serializeEnvelope,
  TOKEN_PATTERN,
} from "../../src/mqtt/envelope.js";
import { UpsLinkError } from "../../src/protocol/errors.js";

const text = (value: string): Buffer => Buffer.from(value, "utf8");
const TOKEN = "0123456789abcdef0123456789abcdef";

function nested(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

describe("response envelope", () => {
  it("has every field of the contract, null when absent", () => {
    expect(envelope({ status: "pending", action: "turn_off_immediate" })).toEqual({
      status: "pending",
      action: "turn_off_immediate",
      data: null,
      error: null,
      transaction: null,
    });
    expect(JSON.parse(serializeEnvelope(okResponse("battery_test", { result: "OK" }, 42)))).toEqual({
      status: "ok",
      action: "battery_test",
      data: { result: "OK" },
      error: null,
      transaction: 42,
    });
  });

  it("carries only the code and sentence of an error", () => {
    const error = new UpsLinkError("busy", "Another command is running; try again in a few seconds.", {
      internal: "x",
    });
    expect(errorResponse("battery_test", error, "t1")).toEqual({
      status: "error",
      action: "battery_test",
      data: null,
      error: { code: "busy", message: "Another command is running; try again in a few seconds." },
      transaction: "t1",
    });
  });
});

describe("command payloads", () => {
  it("accept empty, PRESS and JSON with params and transaction", () => {
    expect(parseCommandPayload(text(""))).toEqual({ ok: true, value: { params: {} }, transaction: null });
    expect(parseCommandPayload(text("PRESS"))).toEqual({
      ok: true,
      value: { params: {} },
      transaction: null,
    });
    expect(parseCommandPayload(text(" press\n"))).toMatchObject({ ok: true });
    expect(parseCommandPayload(text('{"params": {"delay": 5}, "transaction": "abc"}'))).toEqual({
      ok: true,
      value: { params: { delay: 5 } },
      transaction: "abc",
    });
    expect(parseCommandPayload(text("{}"))).toEqual({ ok: true, value: { params: {} }, transaction: null });
  });

  it("refuse malformed JSON with a sentence saying what to send", () => {
    const result = parseCommandPayload(text('{"params": '));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("invalid_payload");
    expect(result.error.message).toContain("not valid JSON");
    expect(result.error.message).toContain("PRESS");
  });

  it("refuse unknown text, non-objects, unknown fields and non-object params, echoing the transaction", () => {
    expect(parseCommandPayload(text("GO"))).toMatchObject({ ok: false, error: { code: "invalid_payload" } });
    expect(parseCommandPayload(text("[1]"))).toMatchObject({ ok: false, error: { code: "invalid_payload" } });
    expect(parseCommandPayload(text('{"parms": {}, "transaction": 7}'))).toMatchObject({
      ok: false,
      error: { code: "invalid_payload", message: expect.stringContaining('"parms"') },
      transaction: 7,
    });
    expect(parseCommandPayload(text('{"params": [1], "transaction": 8}'))).toMatchObject({
      ok: false,
      error: { code: "invalid_params" },
      transaction: 8,
    });
  });

  it("refuse oversize payloads before parsing", () => {
    const big = text(`{"params": {"x": "${"a".repeat(MAX_PAYLOAD_BYTES)}"}}`);
    const result = parseCommandPayload(big);
    expect(result).toMatchObject({ ok: false, error: { code: "invalid_payload" } });
    if (!result.ok) expect(result.error.message).toContain(`at most ${MAX_PAYLOAD_BYTES}`);
    // exactly at the limit is fine
    const padding = MAX_PAYLOAD_BYTES - '{"params":{"x":""}}'.length;
    expect(parseCommandPayload(text(`{"params":{"x":"${"a".repeat(padding)}"}}`))).toMatchObject({
      ok: true,
    });
  });

  it("refuse JSON nested too deep, but not brackets inside strings", () => {
    const deep = parseCommandPayload(text(`{"params": {"x": ${nested(MAX_JSON_DEPTH)}}}`));
    expect(deep).toMatchObject({ ok: false, error: { code: "invalid_payload" } });
    if (!deep.ok) expect(deep.error.message).toContain(`more than ${MAX_JSON_DEPTH} levels`);
    expect(parseCommandPayload(text(`{"params": {"x": ${nested(MAX_JSON_DEPTH - 2)}}}`))).toMatchObject({
      ok: true,
    });
    expect(parseCommandPayload(text(`{"params": {"x": "${"[".repeat(50)}\\"{{{"}}`))).toMatchObject({
      ok: true,
    });
  });

  it("refuse invalid UTF-8", () => {
    expect(parseCommandPayload(Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining("UTF-8") },
    });
  });
});

describe("set payloads", () => {
  it("accept plain text, JSON strings and {value, transaction}", () => {
    expect(parseSetPayload(text(" 336 "))).toEqual({ ok: true, value: { value: "336" }, transaction: null });
    expect(parseSetPayload(text('"H"'))).toEqual({ ok: true, value: { value: "H" }, transaction: null });
    expect(parseSetPayload(text('{"value": 108, "transaction": [1]}'))).toEqual({
      ok: true,
      value: { value: 108 },
      transaction: [1],
    });
    expect(parseSetPayload(text('{"value": "OFF"}'))).toEqual({
      ok: true,
      value: { value: "OFF" },
      transaction: null,
    });
  });

  it("refuse empty payloads, missing or unusable values", () => {
    expect(parseSetPayload(text(""))).toMatchObject({
      ok: false,
      error: { code: "invalid_payload", message: expect.stringContaining("empty") },
    });
    expect(parseSetPayload(text('{"transaction": 1}'))).toMatchObject({
      ok: false,
      error: { code: "invalid_params" },
      transaction: 1,
    });
    expect(parseSetPayload(text('{"value": {"a": 1}}'))).toMatchObject({
      ok: false,
      error: { code: "invalid_params" },
    });
    expect(parseSetPayload(text('{"value": 1'))).toMatchObject({
      ok: false,
      error: { code: "invalid_payload" },
    });
  });
});

describe("confirm and cancel payloads", () => {
  it("export the token format", () => {
    expect(TOKEN_PATTERN.test(TOKEN)).toBe(true);
    expect(TOKEN_PATTERN.test(TOKEN.toUpperCase())).toBe(false);
    expect(TOKEN_PATTERN.test(TOKEN.slice(1))).toBe(false);
  });

  it("confirm by token or by action", () => {
    expect(parseConfirmPayload(text(`{"token": "${TOKEN}", "transaction": "t"}`))).toEqual({
      ok: true,
      value: { kind: "token", token: TOKEN },
      transaction: "t",
    });
    expect(parseConfirmPayload(text('{"action": "turn_off_immediate"}'))).toEqual({
      ok: true,
      value: { kind: "action", action: "turn_off_immediate" },
      transaction: null,
    });
    expect(parseConfirmPayload(text(TOKEN))).toMatchObject({
      ok: true,
      value: { kind: "token", token: TOKEN },
    });
  });

  it("refuse a malformed token with invalid_token", () => {
    for (const bad of ['{"token": "abc"}', `{"token": "${TOKEN.toUpperCase()}"}`, '{"token": 12}']) {
      expect(parseConfirmPayload(text(bad)), bad).toMatchObject({
        ok: false,
        error: { code: "invalid_token" },
      });
    }
  });

  it("refuse an empty confirm, both fields at once, and bad action ids", () => {
    expect(parseConfirmPayload(text(""))).toMatchObject({ ok: false, error: { code: "invalid_payload" } });
    expect(parseConfirmPayload(text("{}"))).toMatchObject({ ok: false, error: { code: "invalid_payload" } });
    expect(parseConfirmPayload(text(`{"token": "${TOKEN}", "action": "x"}`))).toMatchObject({ ok: false });
    expect(parseConfirmPayload(text('{"action": "Turn Off"}'))).toMatchObject({
      ok: false,
      error: { code: "invalid_payload" },
    });
  });

  it("cancel: empty means all", () => {
    expect(parseCancelPayload(text(""))).toEqual({ ok: true, value: { kind: "all" }, transaction: null });
    expect(parseCancelPayload(text('{"transaction": 3}'))).toEqual({
      ok: true,
      value: { kind: "all" },
      transaction: 3,
    });
    expect(parseCancelPayload(text(`{"token": "${TOKEN}"}`))).toMatchObject({
      ok: true,
      value: { kind: "token" },
    });
    expect(parseCancelPayload(text('{"action": "turn_off_after_delay"}'))).toMatchObject({
      ok: true,
      value: { kind: "action" },
    });
    expect(parseCancelPayload(text('{"token": "nope"}'))).toMatchObject({
      ok: false,
      error: { code: "invalid_token" },
    });
  });
});
