// Incoming request messages of one UPS → typed requests, with the MQTT layer's bounded parsers.
import type { IncomingMessage } from "../mqtt/connection.js";
import {
  parseCancelPayload,
  parseCommandPayload,
  parseConfirmPayload,
  parseSetPayload,
} from "../mqtt/envelope.js";
import { parseRequestTopic } from "../mqtt/topics.js";
import type { ErrorCode } from "../protocol/errors.js";
import type { Value } from "../protocol/types.js";
import type { ConfirmSelector } from "../ups/confirmation.js";
import type { BridgeTopics } from "./topics.js";

type Tx = { readonly transaction: Value | undefined };

export type Request =
  | ({ readonly kind: "command"; readonly id: string; readonly params: Readonly<Record<string, Value>> } & Tx)
  | ({ readonly kind: "set"; readonly id: string; readonly value: Value } & Tx)
  | ({ readonly kind: "confirm"; readonly selector: ConfirmSelector } & Tx)
  | ({ readonly kind: "cancel"; readonly selector: ConfirmSelector | null } & Tx)
  | ({
      readonly kind: "invalid";
      readonly id: string;
      readonly error: { readonly code: ErrorCode; readonly message: string };
    } & Tx);

/** Null when the topic is not a request of this UPS. */
export function parseRequest(topics: BridgeTopics, message: IncomingMessage): Request | null {
  const target = parseRequestTopic(topics.base, message.topic);
  if (target === null || target.ups !== topics.ups) return null;
  const tx = (t: Value) => (t === null ? undefined : t);
  switch (target.kind) {
    case "command": {
      const parsed = parseCommandPayload(message.payload);
      if (!parsed.ok)
        return { kind: "invalid", id: target.id, error: parsed.error, transaction: tx(parsed.transaction) };
      return {
        kind: "command",
        id: target.id,
        params: parsed.value.params,
        transaction: tx(parsed.transaction),
      };
    }
    case "set": {
      const parsed = parseSetPayload(message.payload);
      if (!parsed.ok)
        return { kind: "invalid", id: target.id, error: parsed.error, transaction: tx(parsed.transaction) };
      return { kind: "set", id: target.id, value: parsed.value.value, transaction: tx(parsed.transaction) };
    }
    case "confirm": {
      const parsed = parseConfirmPayload(message.payload);
      if (!parsed.ok)
        return { kind: "invalid", id: "confirm", error: parsed.error, transaction: tx(parsed.transaction) };
      const v = parsed.value;
      return {
        kind: "confirm",
        selector: v.kind === "token" ? { token: v.token } : { action: v.action },
        transaction: tx(parsed.transaction),
      };
    }
    case "cancel": {
      const parsed = parseCancelPayload(message.payload);
      if (!parsed.ok)
        return { kind: "invalid", id: "cancel", error: parsed.error, transaction: tx(parsed.transaction) };
      const v = parsed.value;
      const selector =
        v.kind === "all" ? null : v.kind === "token" ? { token: v.token } : { action: v.action };
      return { kind: "cancel", selector, transaction: tx(parsed.transaction) };
    }
  }
}
