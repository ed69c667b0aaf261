// One error class for the whole project, with a code union. Errors that reach MQTT carry the code
// and a sentence a user can act on (the message).

export type ErrorCode =
  // request validation (nothing was sent)
  | "invalid_payload"
  | "invalid_params"
  | "unknown_action"
  | "unknown_setting"
  | "unknown_ups"
  | "destructive_disabled"
  | "invalid_token"
  | "invalid_response_topic"
  | "too_many_pending"
  | "expired"
  | "not_on_battery"
  | "busy"
  // the UPS's answer
  | "not_supported"
  | "refused_by_ups"
  | "edit_locked"
  | "bad_reply"
  | "timeout"
  | "not_smart_mode"
  // the link
  | "link_down"
  | "port_not_found"
  | "port_busy"
  | "permission_denied"
  | "port_closed"
  | "connect_failed"
  // configuration and usage
  | "config_invalid"
  | "usage";

export class UpsLinkError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    context: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "UpsLinkError";
    this.code = code;
    this.context = context;
  }
}

export function isUpsLinkError(error: unknown): error is UpsLinkError {
  return error instanceof UpsLinkError;
}

/** Any thrown value as an UpsLinkError, keeping its code when it has one. */
export function asUpsLinkError(error: unknown, fallback: ErrorCode = "bad_reply"): UpsLinkError {
  if (isUpsLinkError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UpsLinkError(fallback, message, {}, { cause: error });
}
