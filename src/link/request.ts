// What a caller asks of the link, as data, and how one request runs once it holds the line. The
// link knows bytes, framing and timing; what a reply *means* (a value, a refusal) is the caller's.
// The UPS layer builds these from catalogue rows (src/ups/requests.ts).
import type { Logger } from "../log.js";
import { asUpsLinkError, isUpsLinkError, UpsLinkError } from "../protocol/errors.js";
import { escapeBytes } from "../protocol/escape.js";
import type { ReplyMode } from "../protocol/types.js";
import type { SmartMode } from "./handshake.js";
import type { LinkOptions } from "./options.js";
import { pressTwice, type Sleep, sendPaced, sendWhole } from "./pacing.js";
import type { Priority } from "./queue.js";
import { mayRetry } from "./retry.js";
import type { Turn, Wire } from "./wire.js";

/** One question on the wire and its reply, nothing more (probes, reads on the exclusive line). */
export interface LinkExchange {
  /** Names the request in errors and logs (the UPS layer passes the row id). */
  readonly name: string;
  /** The bytes to send (for a two-press command: one press). */
  readonly bytes: Uint8Array;
  /** How the reply is framed. */
  readonly reply: ReplyMode;
  /**
   * How long this request may take to answer (ms). The link waits the longer of this and its
   * ordinary `queryTimeoutMs`, so only slow replies (`a`, Ctrl-Z, some commands) need to say so.
   */
  readonly timeoutMs: number;
}

/** Why a reply does not fit its request. */
export interface ReplyProblem {
  readonly why: string;
  /**
   * True: the reply most likely answers an earlier request, so replies are out of step and `Y`
   * goes out before the next try. False: the UPS is not ready yet (ask again after a pause).
   */
  readonly outOfStep: boolean;
}

export interface LinkRequest extends LinkExchange {
  readonly priority: Priority;
  /** May be sent again after silence or a misfit reply, up to `queryRetries` times. Never for commands that act. */
  readonly retry: boolean;
  /** Silence counts towards declaring the link lost (`lostAfterFailures`). */
  readonly countsTowardLoss: boolean;
  /** Send the bytes one character at a time (first-character wait, then pacing); a reply before the last ends the send. */
  readonly paced: boolean;
  /** Two-press: the bytes go out twice with this much silence between (ms), the line held; null: once. */
  readonly pressGapMs: number | null;
  /** Checks a reply; null when it fits. A misfit fails with `bad_reply` (and is retried when `retry`). */
  readonly check: ((text: string) => ReplyProblem | null) | null;
  /** Replies by which the UPS declines to act: returned as they are, with none of the effects below. */
  readonly refusals: readonly string[];
  /** Replies after which the UPS may fall silent until it wakes: `shutdown_expected`, not a lost link. */
  readonly silentAfter: readonly string[];
  /** After any reply but a refusal, the UPS is back in simple signalling: `Y` is needed again. */
  readonly leavesSmartMode: boolean;
}

/** The line held by `exclusive`: nothing else reaches the wire until the procedure returns. */
export interface ExclusiveLine {
  /** Sends one question and returns the raw reply (`NA`, `NO` included: the procedure decides). */
  exchange(exchange: LinkExchange): Promise<string>;
  /**
   * Sends bytes; more than one byte goes out paced (about 50 ms apart), and a reply to the first
   * character (`NA`, `NO`) ends the send at once, the rest unsent. `mode` null: no reply is expected
   * (the `-` before a `c`/`x` or alarm-mask entry): returns "" after a short wait, or the refusal.
   */
  send(bytes: Uint8Array, mode?: ReplyMode | null): Promise<string>;
  /** `send` for text (Latin-1), e.g. the 8 characters of a `c` or `x` entry. */
  sendText(text: string, mode?: ReplyMode | null): Promise<string>;
  /**
   * The characters of an entry that has begun: all of them go out, paced, whatever comes back
   * meanwhile (a half-finished entry would take the next poll bytes as its value). `early`: lines
   * that came before the last character; `reply`: the line after it, "" when the UPS stayed silent.
   */
  sendWhole(bytes: Uint8Array): Promise<{ readonly early: readonly string[]; readonly reply: string }>;
}

export interface ProbeOptions {
  /** The exact wait; default as for a request. */
  readonly timeoutMs?: number;
  /** Tries after the first one that went unanswered; default 0. */
  readonly retries?: number;
}

/** What running a request needs of the session. */
export interface RequestContext {
  readonly options: LinkOptions;
  readonly wire: Wire;
  readonly smartMode: SmartMode;
  readonly log: Logger;
  readonly sleep: Sleep;
  /** Still started (a stop ends retries). */
  readonly running: boolean;
  /** Enters smart mode first when needed (fewer tries while a shutdown is expected). */
  resync(turn: Turn): Promise<void>;
  /** The last request went unanswered and nothing has answered since. */
  readonly silent: boolean;
  /** The UPS answered: the link is healthy. */
  succeeded(): void;
  /** A request failed for lack of an answer; enough of them in a row mean the link is lost. */
  failed(error: UpsLinkError): void;
  /** The UPS may now fall silent until it wakes. */
  expectSilence(): void;
}

/** The wait for a request's reply: never shorter than the ordinary one. */
export function replyTimeout(options: LinkOptions, exchange: LinkExchange): number {
  return Math.max(options.queryTimeoutMs, exchange.timeoutMs);
}

/** Sends a request (retrying it as it allows) and returns the raw reply text. */
export async function runRequest(ctx: RequestContext, req: LinkRequest, turn: Turn): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.resync(turn);
      const text = await send(ctx, req, turn);
      if (req.refusals.includes(text)) return text;
      const problem = req.check?.(text) ?? null;
      if (problem !== null) {
        if (problem.outOfStep) ctx.smartMode.needed = true;
        throw badReply(req.name, text, problem.why);
      }
      ctx.succeeded();
      if (req.leavesSmartMode) ctx.smartMode.needed = true; // `R` → `BYE`: Y needed again
      if (req.silentAfter.includes(text)) ctx.expectSilence();
      return text;
    } catch (error) {
      const failure = asUpsLinkError(error, "bad_reply");
      if (turn.stale) throw failure;
      // Retries are for a reply lost on the line. Once a request has gone unanswered through all
      // its tries the UPS is most likely silent: each later one gets a single try until it answers
      // again, so going offline takes `queryRetries + lostAfterFailures` timeouts, not their product
      // (offlineAfterSilenceMs, issue 12).
      const retries = failure.code === "timeout" && ctx.silent ? 0 : ctx.options.queryRetries;
      if (mayRetry(req.retry, failure.code, attempt, retries) && ctx.running) {
        ctx.log.debug({ request: req.name, attempt, code: failure.code }, "request failed; retrying");
        // A timeout has already waited; a misfit reply or `SM` to `Q` gets a moment to settle.
        if (failure.code === "bad_reply") await ctx.sleep(ctx.options.retryPauseMs);
        continue;
      }
      if (req.countsTowardLoss && (failure.code === "timeout" || failure.code === "not_smart_mode"))
        ctx.failed(failure);
      throw failure;
    }
  }
}

function send(ctx: RequestContext, req: LinkRequest, turn: Turn): Promise<string> {
  const timeoutMs = replyTimeout(ctx.options, req);
  if (req.pressGapMs !== null)
    return pressTwice(ctx.wire, turn, req.bytes, req.reply, req.pressGapMs, timeoutMs, ctx.sleep);
  if (req.paced) return sendPaced(ctx.wire, turn, req.bytes, req.reply, timeoutMs, ctx.sleep, ctx.options);
  return ctx.wire.exchange(turn, req.bytes, req.reply, timeoutMs);
}

/**
 * One question whose silence is an answer (capability probing): the raw reply, or null when the
 * UPS stayed silent through every try. Never counted for or against the link's health; after a
 * silence the replies may be out of step, so `Y` goes out before the next request.
 */
export async function runProbe(
  ctx: RequestContext,
  exchange: LinkExchange,
  options: ProbeOptions,
  turn: Turn,
): Promise<string | null> {
  const retries = options.retries ?? 0;
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.resync(turn);
      const timeoutMs = options.timeoutMs ?? replyTimeout(ctx.options, exchange);
      return await ctx.wire.exchange(turn, exchange.bytes, exchange.reply, timeoutMs);
    } catch (error) {
      if (!isUpsLinkError(error) || error.code !== "timeout" || turn.stale) throw error;
      // A late reply would be out of step: resynchronise before the next request.
      ctx.smartMode.needed = true;
      if (attempt > retries) return null;
    }
  }
}

export function badReply(name: string, text: string, why: string): UpsLinkError {
  const bytes = Array.from(text, (char) => char.charCodeAt(0) & 0xff);
  return new UpsLinkError("bad_reply", `Unexpected reply to '${name}': ${escapeBytes(bytes)} (${why}).`, {
    id: name,
  });
}

/** An entry (`c`, `x`, alarm mask) is answered after its last character; allow for a slow unit. */
const ENTRY_TIMEOUT_MS = 3000;

/**
 * The line as a procedure holding it sees it (the caller holds the queue and has resynchronised).
 * `release()` ends it: a procedure that kept a reference cannot use it afterwards.
 */
export function holdLine(ctx: RequestContext, turn: Turn): { line: ExclusiveLine; release(): void } {
  let open = true;
  const guard = (): void => {
    if (!open) throw new UpsLinkError("busy", "The exclusive line was used after its procedure ended.");
  };
  const send = async (bytes: Uint8Array, mode: ReplyMode | null = "line"): Promise<string> => {
    guard();
    const timeoutMs = Math.max(ctx.options.queryTimeoutMs, ENTRY_TIMEOUT_MS);
    return sendPaced(ctx.wire, turn, bytes, mode, timeoutMs, ctx.sleep, ctx.options);
  };
  const line: ExclusiveLine = {
    exchange: async (exchange) => {
      guard();
      return ctx.wire.exchange(turn, exchange.bytes, exchange.reply, replyTimeout(ctx.options, exchange));
    },
    send,
    sendWhole: async (bytes) => {
      guard();
      const timeoutMs = Math.max(ctx.options.queryTimeoutMs, ENTRY_TIMEOUT_MS);
      return sendWhole(ctx.wire, turn, bytes, timeoutMs, ctx.sleep, ctx.options);
    },
    sendText: (text, mode) =>
      send(
        Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff),
        mode,
      ),
  };
  return {
    line,
    release: () => {
      open = false;
    },
  };
}
