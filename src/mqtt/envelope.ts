// The request/response envelope and the bounded parsers of request payloads. Bounded: a payload is
// refused before parsing when it is too large or nested too deep, so a hostile or broken client
// cannot make the bridge spend memory or stack on it. No UPS knowledge: action and setting ids are
// opaque strings here, and error codes are the caller's (the parsers below use only three).

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

export type ResponseStatus = "ok" | "pending" | "error" | "cancelled" | "expired";

/** The codes the request parsers below answer with. */
export type RequestErrorCode = "invalid_payload" | "invalid_params" | "invalid_token";

export interface ResponseError<Code extends string = string> {
  readonly code: Code;
  readonly message: string;
}

export interface ResponseEnvelope {
  readonly status: ResponseStatus;
  readonly action: string;
  readonly data: JsonValue;
  readonly error: ResponseError | null;
  /** Echoed from the request (null when it had none), so a caller can match answers to requests. */
  readonly transaction: JsonValue;
}

export function envelope(input: {
  readonly status: ResponseStatus;
  readonly action: string;
  readonly data?: JsonValue;
  readonly error?: ResponseError | null;
  readonly transaction?: JsonValue;
}): ResponseEnvelope {
  return {
    status: input.status,
    action: input.action,
    data: input.data ?? null,
    error: input.error ?? null,
    transaction: input.transaction ?? null,
  };
}

export function okResponse(
  action: string,
  data: JsonValue = null,
  transaction: JsonValue = null,
): ResponseEnvelope {
  return envelope({ status: "ok", action, data, transaction });
}

export function errorResponse(
  action: string,
  error: ResponseError,
  transaction: JsonValue = null,
): ResponseEnvelope {
  // Only the code and the sentence: an UpsLinkError's context may hold internals.
  return envelope({
    status: "error",
    action,
    error: { code: error.code, message: error.message },
    transaction,
  });
}

export function serializeEnvelope(response: ResponseEnvelope): string {
  return JSON.stringify(response);
}

/** Largest request payload accepted, in bytes. */
export const MAX_PAYLOAD_BYTES = 4096;
/** Deepest nesting of arrays/objects accepted in a JSON request. */
export const MAX_JSON_DEPTH = 8;
/** Confirmation tokens: 32 lower-case hex digits (128 random bits). */
export const TOKEN_PATTERN = /^[0-9a-f]{32}$/;
/** Action ids as they appear in payloads (`{"action": "turn_off_immediate"}`). */
export const ACTION_ID_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T; readonly transaction: JsonValue }
  | { readonly ok: false; readonly error: ResponseError<RequestErrorCode>; readonly transaction: JsonValue };

export interface CommandRequest {
  readonly params: { readonly [key: string]: JsonValue };
}

export interface SetRequest {
  readonly value: string | number | boolean;
}

export type TargetRequest =
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "action"; readonly action: string }
  | { readonly kind: "all" };

function fail<T>(
  message: string,
  transaction: JsonValue = null,
  code: RequestErrorCode = "invalid_payload",
): ParseResult<T> {
  return { ok: false, error: { code, message }, transaction };
}

function isObject(value: JsonValue): value is { readonly [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

type Text = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };

function decodeText(payload: Uint8Array): Text {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return {
      ok: false,
      message: `The payload has ${payload.byteLength} bytes; at most ${MAX_PAYLOAD_BYTES} are accepted.`,
    };
  }
  try {
    return { ok: true, text: utf8.decode(payload).trim() };
  } catch {
    return { ok: false, message: "The payload is not valid UTF-8 text." };
  }
}

/** Deepest array/object nesting outside strings, found without parsing. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === "\\") index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === "{" || char === "[") deepest = Math.max(deepest, ++depth);
    else if (char === "}" || char === "]") depth--;
  }
  return deepest;
}

type Json =
  | { readonly ok: true; readonly value: JsonValue }
  | { readonly ok: false; readonly message: string };

function parseJson(text: string): Json {
  if (nestingDepth(text) > MAX_JSON_DEPTH) {
    return { ok: false, message: `The JSON payload is nested more than ${MAX_JSON_DEPTH} levels deep.` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `The payload is not valid JSON (${reason}).` };
  }
}

function looksLikeJson(text: string): boolean {
  return text.startsWith("{") || text.startsWith("[") || text.startsWith('"');
}

/** Parses a JSON object payload and checks its keys; the transaction is taken out first so errors can echo it. */
function parseObject(
  text: string,
  allowed: readonly string[],
  shape: string,
):
  | {
      readonly ok: true;
      readonly object: { readonly [key: string]: JsonValue };
      readonly transaction: JsonValue;
    }
  | { readonly ok: false; readonly result: ParseResult<never> } {
  const json = parseJson(text);
  if (!json.ok) return { ok: false, result: fail(`${json.message} Send ${shape}.`) };
  if (!isObject(json.value)) return { ok: false, result: fail(`The payload must be ${shape}.`) };
  const transaction = json.value.transaction ?? null;
  const unknown = Object.keys(json.value).filter((name) => name !== "transaction" && !allowed.includes(name));
  if (unknown.length > 0) {
    return {
      ok: false,
      result: fail(
        `Unknown field ${unknown.map((name) => `"${name}"`).join(", ")}: send ${shape}.`,
        transaction,
      ),
    };
  }
  return { ok: true, object: json.value, transaction };
}

const COMMAND_SHAPE = 'an empty payload, PRESS, or {"params": {...}, "transaction": ...}';

/** `<ups>/command/<action>`: empty, `PRESS` (Home Assistant buttons), or `{"params": {...}, "transaction": any}`. */
export function parseCommandPayload(payload: Uint8Array): ParseResult<CommandRequest> {
  const decoded = decodeText(payload);
  if (!decoded.ok) return fail(decoded.message);
  const { text } = decoded;
  if (text === "" || text.toUpperCase() === "PRESS")
    return { ok: true, value: { params: {} }, transaction: null };
  if (!looksLikeJson(text)) return fail(`Unexpected payload "${text.slice(0, 40)}": send ${COMMAND_SHAPE}.`);
  const parsed = parseObject(text, ["params"], COMMAND_SHAPE);
  if (!parsed.ok) return parsed.result;
  const params = parsed.object.params ?? {};
  if (!isObject(params))
    return fail(
      `"params" must be a JSON object: send ${COMMAND_SHAPE}.`,
      parsed.transaction,
      "invalid_params",
    );
  return { ok: true, value: { params }, transaction: parsed.transaction };
}

const SET_SHAPE = 'the wanted value as text, or {"value": ..., "transaction": ...}';

/** `<ups>/set/<setting>`: the wanted value as text, or `{"value": ..., "transaction": any}`. */
export function parseSetPayload(payload: Uint8Array): ParseResult<SetRequest> {
  const decoded = decodeText(payload);
  if (!decoded.ok) return fail(decoded.message);
  const { text } = decoded;
  if (text === "") return fail(`The payload is empty: send ${SET_SHAPE}.`);
  if (!looksLikeJson(text)) return { ok: true, value: { value: text }, transaction: null };
  if (text.startsWith('"')) {
    // A JSON string (Node-RED sends them): its content is the value.
    const json = parseJson(text);
    if (json.ok && typeof json.value === "string" && json.value.trim() !== "") {
      return { ok: true, value: { value: json.value.trim() }, transaction: null };
    }
    return fail(`The payload is not a usable value: send ${SET_SHAPE}.`);
  }
  const parsed = parseObject(text, ["value"], SET_SHAPE);
  if (!parsed.ok) return parsed.result;
  const value = parsed.object.value;
  if (typeof value === "string" && value.trim() !== "")
    return { ok: true, value: { value: value.trim() }, transaction: parsed.transaction };
  if (typeof value === "number" || typeof value === "boolean")
    return { ok: true, value: { value }, transaction: parsed.transaction };
  return fail(
    `"value" must be a non-empty string, a number or a boolean: send ${SET_SHAPE}.`,
    parsed.transaction,
    "invalid_params",
  );
}

function parseTarget(payload: Uint8Array, allowAll: boolean, shape: string): ParseResult<TargetRequest> {
  const decoded = decodeText(payload);
  if (!decoded.ok) return fail(decoded.message);
  const { text } = decoded;
  if (text === "")
    return allowAll
      ? { ok: true, value: { kind: "all" }, transaction: null }
      : fail(`The payload is empty: send ${shape}.`);
  if (!looksLikeJson(text)) {
    // A bare token or action id is accepted too (handy from a dashboard button or mosquitto_pub).
    if (TOKEN_PATTERN.test(text))
      return { ok: true, value: { kind: "token", token: text }, transaction: null };
    if (ACTION_ID_PATTERN.test(text))
      return { ok: true, value: { kind: "action", action: text }, transaction: null };
    return fail(`Unexpected payload "${text.slice(0, 40)}": send ${shape}.`);
  }
  const parsed = parseObject(text, ["token", "action"], shape);
  if (!parsed.ok) return parsed.result;
  const { token, action } = parsed.object;
  const transaction = parsed.transaction;
  if (token !== undefined && action !== undefined)
    return fail(`Send either "token" or "action", not both: ${shape}.`, transaction);
  if (token !== undefined) {
    if (typeof token !== "string" || !TOKEN_PATTERN.test(token)) {
      return fail(
        "The token is malformed: it is the 32 hex digits from data.token of the pending response or the pending list.",
        transaction,
        "invalid_token",
      );
    }
    return { ok: true, value: { kind: "token", token }, transaction };
  }
  if (action !== undefined) {
    if (typeof action !== "string" || !ACTION_ID_PATTERN.test(action)) {
      return fail(
        '"action" must be an action id such as "turn_off_immediate".',
        transaction,
        "invalid_payload",
      );
    }
    return { ok: true, value: { kind: "action", action }, transaction };
  }
  return allowAll
    ? { ok: true, value: { kind: "all" }, transaction }
    : fail(`The payload names nothing to confirm: send ${shape}.`, transaction);
}

/** `<ups>/command/confirm`: `{"token": "..."}` or `{"action": "<action id>"}`. */
export function parseConfirmPayload(
  payload: Uint8Array,
): ParseResult<TargetRequest & { readonly kind: "token" | "action" }> {
  return parseTarget(payload, false, '{"token": "<token>"} or {"action": "<action id>"}') as ParseResult<
    TargetRequest & { readonly kind: "token" | "action" }
  >;
}

/** `<ups>/command/cancel`: `{"token": "..."}`, `{"action": "..."}`, or empty for every pending confirmation. */
export function parseCancelPayload(payload: Uint8Array): ParseResult<TargetRequest> {
  return parseTarget(
    payload,
    true,
    '{"token": "<token>"}, {"action": "<action id>"} or an empty payload (cancel all)',
  );
}
