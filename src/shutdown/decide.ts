// The decisions of shutdown orchestration (issue 16 item 4), for one UPS: when to raise FSD for its
// NUT clients, when the wait for them is over, when to send shutdown_return, and when the outage is
// over. Pure: the caller feeds what it observes with the time, and carries out the effects returned
// (raise or clear the FSD latch, send shutdown_return, publish an event with its log line).
//
// It fires only on a real, confirmed outage, once per outage:
// - the UPS is available and `shutdown_recommended` is true;
// - on battery, and the status register was read *after* the last alert that patched it: an alert's
//   word alone (a `%` not yet confirmed by `Q`, a low-battery flag from before the transfer, or one
//   left set while on line and charging) never fires it (alert-trust.ts decides which alerts patch);
// - the transfer is known not to be a test: a `G` read after the transfer began says so, or, on a
//   UPS without `G`, no self-test or simulated failure of ours is running (test-transfer.ts). While
//   that is unknown it waits, as shutdown_recommended does not.
// After it fired, nothing fires again until a fresh reading shows the UPS on line: the outage is over.
//
// FSD is a commitment, as in NUT (upsd keeps FSD until the driver restarts): a client that saw it is
// shutting down and will not stop. So power returning during the wait does not stop the sequence:
// shutdown_return still goes out when the wait ends, and its `@` method (commands.shutdown_return)
// works on line, cycling the load so the hosts that shut down come back. Two exceptions stop it
// before anything is sent: the link was lost after FSD and the UPS is now read on line (the bridge
// cannot tell whether the load went off meanwhile, when the battery ran out, and sending now could
// cut hosts that are booting); and the link is down when the wait ends (the command waits for it,
// then the same rule applies). FSD is cleared once the outage is over: after shutdown_return, when
// the UPS has been seen off (or unreachable) and is read on line again, or LOAD_OFF_WAIT_MS after it
// was sent if the load never went off; after a failure or an abort, at the first fresh on-line
// reading. Otherwise a host that boots when power returns would see FSD and shut down again.
import type { BridgeEventType } from "../events.js";
import type { Value } from "../protocol/types.js";

/** After shutdown_return, FSD is kept at most this long while the UPS stays on line without turning the load off (its shutdown delay is at most 600 s). */
export const LOAD_OFF_WAIT_MS = 15 * 60_000;

/** What the UPS model says now. */
export interface StatusView {
  /** The link is up and the UPS gives values. */
  readonly available: boolean;
  /** The status register was read after the last alert that patched it, on this connection. */
  readonly fresh: boolean;
  readonly onBattery: boolean;
  readonly onLine: boolean;
  /** The load is off (power_state `sleep` or `off`). */
  readonly loadOff: boolean;
  readonly shutdownRecommended: boolean;
  /** Whether the current transfer is a self-test or simulated failure, from fresh data only. */
  readonly test: "yes" | "no" | "unknown";
  /** What made shutdown_recommended true (charge, runtime, low-battery flag), for the event. */
  readonly reason: Readonly<Record<string, Value>>;
}

/** A NUT client logged in to the UPS (upsmon). */
export interface Client {
  readonly user: string | null;
  readonly address: string;
  /** It declared PRIMARY (or MASTER). */
  readonly primary: boolean;
}

export type ShutdownEventType = Extract<BridgeEventType, `shutdown_${string}`>;

export type Effect =
  | { readonly kind: "raise_fsd" }
  | { readonly kind: "clear_fsd" }
  | { readonly kind: "send_shutdown_return" }
  /** A log line that is no step of its own (no event). */
  | { readonly kind: "log"; readonly level: "info" | "warn"; readonly message: string }
  | {
      readonly kind: "event";
      readonly type: ShutdownEventType;
      readonly data: Readonly<Record<string, Value>>;
      readonly level: "info" | "warn" | "error";
      /** The log line that goes with the event. */
      readonly message: string;
    };

export type SendResult =
  | { readonly ok: true; readonly method: string; readonly reply: string }
  | { readonly ok: false; readonly code: string; readonly message: string };

export type Phase =
  /** Waiting for a confirmed outage. */
  | { readonly kind: "armed" }
  /** FSD raised: waiting for the clients to log out, or the deadline. */
  | {
      readonly kind: "waiting";
      readonly deadline: number;
      readonly clients: Client[];
      powerReturned: boolean;
      linkLost: boolean;
    }
  /** The wait is over and the link is down: shutdown_return waits for it. */
  | { readonly kind: "deferred"; readonly powerReturned: boolean }
  /** shutdown_return is on its way. */
  | { readonly kind: "sending"; readonly powerReturned: boolean }
  /** The UPS accepted shutdown_return: FSD stays until the load has gone off and power is back. */
  | { readonly kind: "sent"; readonly at: number; sawLoadOff: boolean }
  /** Failed or aborted: FSD stays until a fresh on-line reading. */
  | { readonly kind: "ended" };

export interface DecideOptions {
  readonly waitS: number;
}

export class ShutdownDecisions {
  private state: Phase = { kind: "armed" };
  private last: StatusView | null = null;

  constructor(private readonly options: DecideOptions) {}

  get phase(): Phase["kind"] {
    return this.state.kind;
  }

  /** The FSD latch is raised by the orchestration now. */
  get fsd(): boolean {
    return this.state.kind !== "armed";
  }

  /** A status update: may fire, resume a deferred send, or end the outage. `clients`: logged in now. */
  status(view: StatusView, clients: readonly Client[], now: number): Effect[] {
    this.last = view;
    const state = this.state;
    switch (state.kind) {
      case "armed":
        return critical(view) ? this.fire(view, clients, now) : [];
      case "waiting":
        if (!view.available) state.linkLost = true;
        if (view.available && view.fresh && view.onLine && !state.powerReturned) {
          state.powerReturned = true;
          return [
            log(
              "info",
              "power returned during the wait for the NUT clients: FSD stands and shutdown_return follows, so the hosts that shut down come back",
            ),
          ];
        }
        return [];
      case "deferred":
        if (!view.available || !view.fresh) return [];
        if (view.onLine) return this.abort("the link was lost after FSD and the UPS is back on line");
        return this.send(state.powerReturned);
      case "sending":
        return [];
      case "sent":
        if (!view.available || view.loadOff) state.sawLoadOff = true;
        if (!outageOver(view)) return [];
        if (state.sawLoadOff) return this.clear("the load went off and the UPS is back on line");
        if (now - state.at >= LOAD_OFF_WAIT_MS) {
          return this.clear(
            `the UPS stayed on line for ${LOAD_OFF_WAIT_MS / 60_000} min after shutdown_return without turning the load off`,
            "warn",
          );
        }
        return [];
      case "ended":
        return outageOver(view) ? this.clear("the UPS is back on line") : [];
    }
  }

  /** A client logged in during the wait: it sees FSD and shuts down too, so it is waited for. */
  clientLoggedIn(client: Client): Effect[] {
    if (this.state.kind === "waiting") this.state.clients.push(client);
    return [];
  }

  /** A logged-in client logged out (`LOGOUT`) or its connection closed (`DISCONNECT`). */
  clientLoggedOut(client: Client, command: string, now: number): Effect[] {
    const state = this.state;
    if (state.kind !== "waiting") return [];
    const index = state.clients.findIndex((c) => c.user === client.user && c.address === client.address);
    if (index < 0) return [];
    state.clients.splice(index, 1);
    const effects: Effect[] = [
      event(
        "info",
        "shutdown_client_logged_out",
        { user: client.user, address: client.address, command, remaining: state.clients.length },
        `NUT client ${describeClient(client)} logged out after FSD (${command}); ${state.clients.length} still logged in`,
      ),
    ];
    if (state.clients.length === 0) effects.push(...this.endWait(now));
    return effects;
  }

  /** Time passes: the deadline of the wait. */
  tick(now: number): Effect[] {
    const state = this.state;
    if (state.kind === "sent" && this.last !== null) return this.status(this.last, [], now);
    if (state.kind !== "waiting" || now < state.deadline) return [];
    const remaining = state.clients.map(clientJson);
    return [
      event(
        "warn",
        "shutdown_wait_timeout",
        { wait_s: this.options.waitS, remaining },
        `shutdown.wait_s (${this.options.waitS} s) passed with ${remaining.length} NUT client(s) still logged in (${state.clients.map(describeClient).join(", ")}): shutdown_return goes out now`,
      ),
      ...this.endWait(now),
    ];
  }

  /** The outcome of shutdown_return. It is never retried: a destructive command goes out once. */
  sent(result: SendResult, now: number): Effect[] {
    if (this.state.kind !== "sending") return [];
    const powerReturned = this.state.powerReturned;
    if (result.ok) {
      this.state = { kind: "sent", at: now, sawLoadOff: false };
      return [
        event(
          "warn",
          "shutdown_return_sent",
          { method: result.method, reply: result.reply, power_returned: powerReturned },
          `shutdown_return sent (${result.method}, the UPS answered ${JSON.stringify(result.reply)}): the load goes off after the UPS's shutdown delay and comes back when power does`,
        ),
      ];
    }
    this.state = { kind: "ended" };
    return [
      event(
        "error",
        "shutdown_return_failed",
        { code: result.code, message: result.message },
        `shutdown_return failed (${result.code}: ${result.message}); it is not retried. FSD stays raised until the UPS is back on line; hosts that shut down must then be started by hand`,
      ),
    ];
  }

  private fire(view: StatusView, clients: readonly Client[], now: number): Effect[] {
    this.state = {
      kind: "waiting",
      deadline: now + this.options.waitS * 1000,
      clients: [...clients],
      powerReturned: false,
      linkLost: false,
    };
    const effects: Effect[] = [
      { kind: "raise_fsd" },
      event(
        "warn",
        "shutdown_fsd_raised",
        { reason: view.reason, clients: clients.map(clientJson), wait_s: this.options.waitS },
        clients.length === 0
          ? "shutdown recommended during an outage: FSD raised; no NUT client is logged in, so shutdown_return goes out now"
          : `shutdown recommended during an outage: FSD raised; waiting up to ${this.options.waitS} s for ${clients.length} NUT client(s) to log out: ${clients.map(describeClient).join(", ")}`,
      ),
    ];
    if (clients.length === 0 || this.options.waitS === 0) effects.push(...this.endWait(now));
    return effects;
  }

  /** The wait is over: send now, wait for the link, or stop (see the header). */
  private endWait(_now: number): Effect[] {
    const state = this.state;
    if (state.kind !== "waiting") return [];
    const view = this.last;
    if (view === null || !view.available) {
      this.state = { kind: "deferred", powerReturned: state.powerReturned };
      return [
        log(
          "warn",
          "the wait for the NUT clients is over but the UPS link is down: shutdown_return goes out when the UPS answers again (unless it is back on line by then)",
        ),
      ];
    }
    if (state.linkLost && view.onLine)
      return this.abort("the link was lost after FSD and the UPS is back on line");
    return this.send(state.powerReturned);
  }

  private send(powerReturned: boolean): Effect[] {
    this.state = { kind: "sending", powerReturned };
    return [{ kind: "send_shutdown_return" }];
  }

  private abort(reason: string): Effect[] {
    this.state = { kind: "ended" };
    return [
      event(
        "warn",
        "shutdown_aborted",
        { reason },
        `shutdown orchestration stopped before shutdown_return: ${reason} (whether the load went off meanwhile is unknown; hosts that shut down and stay off must be started by hand)`,
      ),
      ...(this.last !== null && outageOver(this.last) ? this.clear("the UPS is back on line") : []),
    ];
  }

  private clear(reason: string, level: "info" | "warn" = "info"): Effect[] {
    this.state = { kind: "armed" };
    return [
      { kind: "clear_fsd" },
      event(level, "shutdown_fsd_cleared", { reason }, `FSD cleared: ${reason}`),
    ];
  }
}

/** A confirmed outage that calls for the shutdown: fresh status, on battery, not a test. */
export function critical(view: StatusView): boolean {
  return (
    view.available &&
    view.fresh &&
    view.shutdownRecommended &&
    view.onBattery &&
    !view.onLine &&
    view.test === "no"
  );
}

/** The outage is over: a fresh reading shows the UPS on line with the load on. */
function outageOver(view: StatusView): boolean {
  return view.available && view.fresh && view.onLine && !view.onBattery && !view.loadOff;
}

function clientJson(client: Client): Record<string, Value> {
  return { user: client.user, address: client.address, primary: client.primary };
}

function describeClient(client: Client): string {
  return `${client.user ?? "?"}@${client.address}${client.primary ? " (primary)" : ""}`;
}

/** An event with its log line. */
function event(
  level: "info" | "warn" | "error",
  type: ShutdownEventType,
  data: Readonly<Record<string, Value>>,
  message: string,
): Effect {
  return { kind: "event", type, data, level, message };
}

function log(level: "info" | "warn", message: string): Effect {
  return { kind: "log", level, message };
}
