// The two-step confirmation of destructive actions (CONTRACT.md, "Two-step confirmation").
// A request creates a pending entry with a random single-use token bound to the UPS, the action
// and its parameters; a confirm by token (or by action id when exactly one of that action is
// pending) hands the entry back exactly once; entries expire after `confirm_timeout_s`.
// Nothing here talks to the UPS: the caller executes what `confirm` returns.
//
// Expiry is checked when a confirm is used, against a monotonic clock, and not only by the timer:
// an event loop that is late (a burst of requests, a slow disk) runs the timer late too, and a
// confirm processed before it must still find the entry expired (issue 17).
import { randomBytes } from "node:crypto";
import { UpsLinkError } from "../protocol/errors.js";
import type { Value } from "../protocol/types.js";
import { Timers } from "../util/timers.js";

/**
 * Confirmations pending at once per UPS. A user has one or two in flight; without a bound, each
 * request republished a longer retained list (1000 requests: 85 MB published, issue 17).
 */
export const MAX_PENDING_CONFIRMATIONS = 16;

export interface PendingConfirmation {
  readonly token: string;
  readonly ups: string;
  readonly action: string;
  readonly params: Readonly<Record<string, Value>>;
  readonly requestedAt: Date;
  readonly expiresAt: Date;
  /** The request's `transaction`, echoed on the final response. */
  readonly transaction: Value | undefined;
}

export interface ConfirmationEvents {
  /** An entry expired unconfirmed. */
  expired(entry: PendingConfirmation): void;
  /** The pending list changed (request, confirm, cancel, expiry). */
  changed(entries: readonly PendingConfirmation[]): void;
}

export interface ConfirmationOptions {
  readonly ups: string;
  readonly timeoutS: number;
  readonly events: ConfirmationEvents;
  /** Injected for tests; crypto-random by default. */
  readonly newToken?: () => string;
  /** Monotonic milliseconds (never wall-clock time, which can jump); `performance.now()` by default. */
  readonly now?: () => number;
  /** MAX_PENDING_CONFIRMATIONS by default. */
  readonly maxPending?: number;
}

export type ConfirmSelector = { readonly token: string } | { readonly action: string };

interface Held {
  readonly entry: PendingConfirmation;
  /** Cancels the expiry timer. */
  readonly cancel: () => void;
  /** `now()` at which the entry expires. */
  readonly deadline: number;
}

export class ConfirmationManager {
  private readonly entries = new Map<string, Held>();
  private readonly timers = new Timers();
  private readonly options: ConfirmationOptions;
  private readonly now: () => number;

  constructor(options: ConfirmationOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Registers a destructive request; nothing is sent to the UPS. Throws `too_many_pending` when
   * the UPS already has its maximum of pending confirmations.
   */
  request(
    action: string,
    params: Readonly<Record<string, Value>>,
    transaction: Value | undefined,
  ): PendingConfirmation {
    // Entries past their deadline whose timer is late do not hold a place.
    const now = this.now();
    for (const [token, held] of this.entries) if (now >= held.deadline) this.expire(token);
    const max = this.options.maxPending ?? MAX_PENDING_CONFIRMATIONS;
    if (this.entries.size >= max) {
      throw new UpsLinkError(
        "too_many_pending",
        `${this.entries.size} confirmations are already pending for this UPS, the most it keeps: confirm or cancel one (command/cancel), or let it expire, before requesting another.`,
        { pending: this.entries.size, max },
      );
    }
    const token = (this.options.newToken ?? defaultToken)();
    const requestedAt = new Date();
    const timeoutMs = this.options.timeoutS * 1000;
    const entry: PendingConfirmation = {
      token,
      ups: this.options.ups,
      action,
      params,
      requestedAt,
      expiresAt: new Date(requestedAt.getTime() + timeoutMs),
      transaction,
    };
    const deadline = now + timeoutMs;
    const cancel = this.timers.after(timeoutMs, () => this.expire(token));
    this.entries.set(token, { entry, cancel, deadline });
    this.options.events.changed(this.list());
    return entry;
  }

  /**
   * Takes the matching entry out of the pending list, once. Throws `invalid_token` for a token that
   * is unknown, already used, or expired, and for an action with zero or several pending entries;
   * `expired` for an entry whose time ran out but whose timer has not run yet (it is expired now,
   * as if the timer had run first).
   */
  confirm(selector: ConfirmSelector): PendingConfirmation {
    const token = this.resolve(selector);
    const held = this.entries.get(token);
    if (held === undefined) {
      throw new UpsLinkError(
        "invalid_token",
        "This confirmation token is unknown, already used or expired: request the action again to get a new token.",
      );
    }
    const lateMs = this.now() - held.deadline;
    if (lateMs >= 0) {
      this.expire(token);
      throw new UpsLinkError(
        "expired",
        `The confirmation of '${held.entry.action}' had expired (${Math.round(lateMs)} ms before this confirm was processed): nothing was sent. Request the action again.`,
        { token, action: held.entry.action },
      );
    }
    held.cancel();
    this.entries.delete(token);
    this.options.events.changed(this.list());
    return held.entry;
  }

  /** Cancels by token, by action, or all when no selector is given; returns what was cancelled. */
  cancel(selector: ConfirmSelector | null): PendingConfirmation[] {
    let victims: string[];
    if (selector === null) victims = [...this.entries.keys()];
    else if ("token" in selector) victims = this.entries.has(selector.token) ? [selector.token] : [];
    else
      victims = [...this.entries.values()]
        .filter((h) => h.entry.action === selector.action)
        .map((h) => h.entry.token);
    if (selector !== null && victims.length === 0) {
      throw new UpsLinkError(
        "invalid_token",
        "token" in selector
          ? "No pending confirmation has this token: it may have been confirmed, cancelled or expired already."
          : `No confirmation of '${selector.action}' is pending.`,
      );
    }
    const cancelled: PendingConfirmation[] = [];
    for (const token of victims) {
      const held = this.entries.get(token);
      if (held === undefined) continue;
      held.cancel();
      this.entries.delete(token);
      cancelled.push(held.entry);
    }
    if (cancelled.length > 0) this.options.events.changed(this.list());
    return cancelled;
  }

  list(): PendingConfirmation[] {
    return [...this.entries.values()].map((h) => h.entry);
  }

  /** Clears every timer (bridge stop). */
  dispose(): void {
    this.timers.clearAll();
    this.entries.clear();
  }

  private resolve(selector: ConfirmSelector): string {
    if ("token" in selector) return selector.token;
    const matching = [...this.entries.values()].filter((h) => h.entry.action === selector.action);
    if (matching.length === 1 && matching[0] !== undefined) return matching[0].entry.token;
    throw new UpsLinkError(
      "invalid_token",
      matching.length === 0
        ? `No confirmation of '${selector.action}' is pending: request the action first.`
        : `${matching.length} confirmations of '${selector.action}' are pending: confirm with the token instead.`,
    );
  }

  private expire(token: string): void {
    const held = this.entries.get(token);
    if (held === undefined) return;
    held.cancel();
    this.entries.delete(token);
    this.options.events.expired(held.entry);
    this.options.events.changed(this.list());
  }
}

/** 32 lowercase hex characters (128 random bits): the form the MQTT layer accepts (`TOKEN_PATTERN`). */
function defaultToken(): string {
  return randomBytes(16).toString("hex");
}

/** The pending entry as published on `<ups>/pending` and in `pending` responses. */
export function pendingToJson(entry: PendingConfirmation): { [key: string]: Value } {
  return {
    token: entry.token,
    action: entry.action,
    params: entry.params,
    requested_at: entry.requestedAt.toISOString(),
    expires_at: entry.expiresAt.toISOString(),
  };
}
