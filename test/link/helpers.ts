// Shared test scaffolding for the link: a session on the in-process simulator under fake timers, and
// the UPS layer's view of it in catalogue rows (`link`).
import { vi } from "vitest";
import type { LinkOptions } from "../../src/link/options.js";
import { type AlertEvent, LinkSession, type LinkState } from "../../src/link/session.js";
import { SimTransport } from "../../src/link/sim.js";
import { silentLogger } from "../../src/log.js";
import type { SmartUpsSimulator } from "../../src/simulator/index.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";

export interface SimRig {
  readonly session: LinkSession;
  /** The session as the UPS layer drives it: rows in, raw replies out. */
  readonly link: CatalogueLink;
  readonly transport: SimTransport;
  readonly sim: SmartUpsSimulator;
  readonly states: LinkState[];
  readonly alerts: AlertEvent[];
  /** Host bytes the simulator received, as text (control bytes as `\xNN`). */
  wire(): string;
}

export function simRig(profile: string, options: Partial<LinkOptions> = {}, reconnect = true): SimRig {
  const transport = new SimTransport({ profile });
  const session = new LinkSession({ transport, logger: silentLogger(), options, reconnect });
  const link = new CatalogueLink(session);
  const states: LinkState[] = [];
  const alerts: AlertEvent[] = [];
  session.on("state", (state) => states.push(state));
  session.on("alert", (alert) => alerts.push(alert));
  return {
    session,
    link,
    transport,
    sim: transport.simulator,
    states,
    alerts,
    wire: () => wireText(transport.simulator),
  };
}

export function wireText(sim: SmartUpsSimulator): string {
  return sim.received
    .map(({ byte }) =>
      byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`,
    )
    .join("");
}

/** Advances fake time in small steps until the promise settles (or the budget runs out). */
export async function settle<T>(promise: Promise<T>, budgetMs = 60_000, stepMs = 50): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  // Keep a rejection from being reported before the caller awaits it.
  tracked.catch(() => undefined);
  for (let spent = 0; !done && spent < budgetMs; spent += stepMs) {
    await vi.advanceTimersByTimeAsync(stepMs);
  }
  return tracked;
}

/** The rejection of a promise (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>, budgetMs = 60_000): Promise<unknown> {
  try {
    await settle(promise, budgetMs);
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, got a value");
}
