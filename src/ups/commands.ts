// Commands and settings for one UPS: validation, interlocks, the two-step confirmation, execution on
// the link, and the mapping of the UPS's replies to outcomes with codes and actionable sentences.
// A destructive byte goes on the wire only from `confirm`, never from `request`.

import type { Logger } from "../log.js";
import { findRow } from "../protocol/catalogue.js";
import { type ErrorCode, isUpsLinkError, UpsLinkError } from "../protocol/errors.js";
import type { CatalogueRow, Value } from "../protocol/types.js";
import {
  ConfirmationManager,
  type ConfirmSelector,
  type PendingConfirmation,
  pendingToJson,
} from "./confirmation.js";
import type { UpsLink } from "./link.js";
import type { UpsModel } from "./model.js";
import { validateParams } from "./params.js";
import { editSetting } from "./settings.js";

export type OutcomeStatus = "ok" | "pending" | "error" | "cancelled" | "expired";

/** What a request ends in; the bridge publishes it on `response/<id>` in the contract's envelope. */
export interface Outcome {
  readonly status: OutcomeStatus;
  /** The action or setting id the outcome belongs to (response topic). */
  readonly action: string;
  readonly data: Value;
  readonly error: { readonly code: ErrorCode; readonly message: string } | null;
  readonly transaction: Value | undefined;
}

export type ShutdownMethod = "S" | "@" | "K" | "Z" | "CS";

export interface CommandOptions {
  readonly upsId: string;
  readonly allowDestructive: boolean;
  readonly confirmTimeoutS: number;
  readonly shutdownReturn: {
    readonly order: readonly ShutdownMethod[];
    readonly wakeDelayTenths: number;
    readonly csDelayMs: number;
  };
  readonly logger: Logger;
}

export interface CommandEvents {
  /** Outcomes that arise without a request in flight (expiry). */
  outcome(outcome: Outcome): void;
  event(eventType: string, data: Record<string, Value>): void;
  pending(list: readonly Record<string, Value>[]): void;
}

/** Events the command service emits on `<ups>/event`, beside the UPS's alerts. */
export const COMMAND_EVENTS = ["confirmation_requested", "confirmation_expired", "command_executed"] as const;

/** Composite actions the bridge offers beyond the catalogue. */
export const COMPOSITE_ACTIONS = [
  {
    id: "shutdown_return",
    label: "Shut down and return",
    destructive: true,
    description:
      "Shuts the load down and lets it come back when power returns, trying the configured methods in order (NUT's advorder): S on battery, @ with a wake delay, K, Z, or U then S.",
  },
] as const;

const COMPOSITE_IDS: ReadonlySet<string> = new Set(COMPOSITE_ACTIONS.map((a) => a.id));

/** Actions whose success means the UPS may fall silent until it wakes. */
const SHUTDOWN_ACTIONS = new Set([
  "shutdown_on_battery",
  "turn_off_after_delay",
  "turn_off_immediate",
  "shutdown_delayed_wake",
]);

/** Actions that cause a transfer which is a test, not a power failure. */
const TEST_ACTIONS = new Set(["battery_test", "simulate_power_failure", "run_time_calibration"]);

/** Why the UPS said NO, per action: a sentence the user can act on. */
const REFUSALS: Readonly<Record<string, string>> = {
  run_time_calibration:
    "The UPS refused to calibrate: calibration starts only at 100 % battery charge. Wait for a full charge and try again.",
  abort_shutdown: "There was nothing to abort: no shutdown or sleep is counting down.",
  ups_to_bypass_toggle:
    "The UPS cannot change to or from bypass now (ERR): check that the bypass supply is present and the UPS has no fault.",
};

export class CommandService {
  readonly confirmations: ConfirmationManager;
  private readonly log: Logger;

  constructor(
    private readonly link: UpsLink,
    private readonly model: UpsModel,
    private readonly options: CommandOptions,
    private readonly events: CommandEvents,
  ) {
    this.log = options.logger.child({ module: "commands", ups: options.upsId });
    this.confirmations = new ConfirmationManager({
      ups: options.upsId,
      timeoutS: options.confirmTimeoutS,
      events: {
        expired: (entry) => {
          this.events.event("confirmation_expired", { action: entry.action, token: entry.token });
          this.events.outcome({
            status: "expired",
            action: entry.action,
            data: { token: entry.token, action: entry.action, params: entry.params },
            error: {
              code: "expired",
              message: `The confirmation of '${entry.action}' expired after ${options.confirmTimeoutS} s: request it again.`,
            },
            transaction: entry.transaction,
          });
        },
        changed: (entries) => this.events.pending(entries.map(pendingToJson)),
      },
    });
  }

  /** Every action id with a command topic: the catalogue's actions plus composites. */
  static isAction(id: string): boolean {
    return findRow(id)?.kind === "action" || COMPOSITE_IDS.has(id);
  }

  /** `command/<action id>`: non-destructive actions run at once; destructive ones become pending. */
  async command(
    actionId: string,
    params: Readonly<Record<string, Value>>,
    transaction: Value | undefined,
  ): Promise<Outcome> {
    try {
      const { row, normalized, destructive } = this.check(actionId, params);
      if (destructive) {
        const entry = this.confirmations.request(actionId, normalized, transaction);
        this.events.event("confirmation_requested", {
          action: actionId,
          token: entry.token,
          expires_at: entry.expiresAt.toISOString(),
        });
        return this.outcome("pending", actionId, pendingToJson(entry), transaction);
      }
      return await this.execute(actionId, row, normalized, transaction);
    } catch (error) {
      return this.failure(actionId, error, transaction);
    }
  }

  /** `command/confirm`: runs a pending destructive action once. Wrong or reused tokens send nothing. */
  async confirm(selector: ConfirmSelector, transaction: Value | undefined): Promise<Outcome> {
    let entry: PendingConfirmation;
    try {
      entry = this.confirmations.confirm(selector);
    } catch (error) {
      const id = "action" in selector ? selector.action : "confirm";
      return this.failure(id, error, transaction);
    }
    const tx = transaction ?? entry.transaction;
    try {
      // Interlocks are checked again: the UPS may have changed state since the request.
      const { row } = this.check(entry.action, entry.params);
      return await this.execute(entry.action, row, entry.params, tx);
    } catch (error) {
      return this.failure(entry.action, error, tx);
    }
  }

  /** `command/cancel`: by token, by action, or all. */
  cancel(selector: ConfirmSelector | null, transaction: Value | undefined): Outcome[] {
    try {
      const cancelled = this.confirmations.cancel(selector);
      if (cancelled.length === 0)
        return [this.outcome("cancelled", "cancel", { cancelled: [] }, transaction)];
      return cancelled.map((entry) =>
        this.outcome("cancelled", entry.action, pendingToJson(entry), transaction ?? entry.transaction),
      );
    } catch (error) {
      const id = selector !== null && "action" in selector ? selector.action : "cancel";
      return [this.failure(id, error, transaction)];
    }
  }

  /** `set/<setting id>`: steps the EEPROM ring (or enters text) to the wanted value. */
  async set(settingId: string, value: Value, transaction: Value | undefined): Promise<Outcome> {
    try {
      const row = findRow(settingId);
      if (row === undefined || row.kind !== "setting") {
        throw new UpsLinkError(
          "unknown_setting",
          `'${settingId}' is not a setting. \`upslink2mqtt commands\` lists them.`,
        );
      }
      this.requireSupported(row);
      if (row.id === "reset_eeprom") throw new UpsLinkError("unknown_setting", "reset_eeprom is an action.");
      const allowed = this.model.caps?.settingValues[row.id] ?? null;
      const result = await editSetting(this.link, row, value, allowed);
      await this.model.reread([row.id]);
      return this.outcome("ok", settingId, result, transaction);
    } catch (error) {
      return this.failure(settingId, error, transaction);
    }
  }

  dispose(): void {
    this.confirmations.dispose();
  }

  /** Validation and interlocks; throws before anything is sent. */
  private check(
    actionId: string,
    params: Readonly<Record<string, Value>>,
  ): { row: CatalogueRow | null; normalized: Record<string, Value>; destructive: boolean } {
    if (COMPOSITE_IDS.has(actionId)) {
      if (Object.keys(params).length > 0) {
        throw new UpsLinkError(
          "invalid_params",
          `'${actionId}' takes no parameters: its methods and delays are configured (commands.shutdown_return).`,
        );
      }
      if (!this.options.allowDestructive) throw destructiveDisabled(actionId);
      return { row: null, normalized: {}, destructive: true };
    }
    const row = findRow(actionId);
    if (row === undefined || row.kind !== "action") {
      throw new UpsLinkError(
        "unknown_action",
        `'${actionId}' is not an action of this bridge. \`upslink2mqtt commands\` lists the actions.`,
      );
    }
    if (row.destructive && !this.options.allowDestructive) throw destructiveDisabled(actionId);
    this.requireSupported(row);
    const normalized = validateParams(row, params);
    if (row.id === "shutdown_on_battery" && this.model.store.get("on_battery_mode") !== true) {
      throw new UpsLinkError(
        "not_on_battery",
        "The UPS honours 'shutdown_on_battery' (S) only while on battery, and it is on line now. Use 'shutdown_delayed_wake' or 'shutdown_return' to shut down on line.",
      );
    }
    return { row, normalized, destructive: row.destructive };
  }

  private requireSupported(row: CatalogueRow): void {
    const caps = this.model.caps;
    if (!this.model.isOnline || caps === null) {
      throw new UpsLinkError(
        "link_down",
        "The UPS is not answering right now: check its availability topic and try again when it is online.",
      );
    }
    if (!caps.supported.has(row.id)) {
      throw new UpsLinkError("not_supported", `This UPS does not support '${row.id}' (${row.label}).`);
    }
  }

  private async execute(
    actionId: string,
    row: CatalogueRow | null,
    params: Readonly<Record<string, Value>>,
    transaction: Value | undefined,
  ): Promise<Outcome> {
    if (row === null) return this.shutdownReturn(transaction);
    if (TEST_ACTIONS.has(row.id)) this.model.noteTestStarted();
    const reply = await this.runAction(row, params);
    const data = interpretReply(row, reply);
    this.log.info({ action: row.id, reply }, "action executed");
    this.events.event("command_executed", { action: row.id, reply, params: params as Value });
    this.afterAction(row.id);
    return this.outcome("ok", actionId, data, transaction);
  }

  /** Re-reads what an action changes, without holding up its response. */
  private afterAction(id: string): void {
    const reread: Record<string, readonly string[]> = {
      battery_test: ["ups_status_register", "transfer_cause"],
      simulate_power_failure: ["ups_status_register", "transfer_cause"],
      run_time_calibration: ["ups_status_register"],
      abort_shutdown: ["ups_status_register", "trip_register"],
      ups_to_bypass_toggle: ["ups_status_register", "state_register"],
    };
    const ids = reread[id];
    if (ids !== undefined) void this.model.reread(ids);
    if (id === "reset_eeprom") void this.model.refresh("slow");
    if (id === "battery_test") {
      // The self-test takes about 8 s; its result stays readable for 5 minutes.
      const timer = setTimeout(() => void this.model.reread(["battery_test_result"]), 12_000);
      timer.unref?.();
    }
  }

  /**
   * The composite `shutdown_return`: the configured methods in order until one succeeds (NUT's
   * advorder). S only on battery; @ with the configured wake delay; K and Z; CS = U, a pause, then S.
   */
  private async shutdownReturn(transaction: Value | undefined): Promise<Outcome> {
    const tried: { method: ShutdownMethod; error: string }[] = [];
    const caps = this.model.caps;
    for (const method of this.options.shutdownReturn.order) {
      try {
        const reply = await this.runMethod(method, caps?.supported ?? new Set());
        this.events.event("command_executed", { action: "shutdown_return", method, reply });
        return this.outcome("ok", "shutdown_return", { method, reply, tried }, transaction);
      } catch (error) {
        const message = isUpsLinkError(error) ? `${error.code}: ${error.message}` : String(error);
        this.log.warn({ method, err: message }, "shutdown_return method failed; trying the next");
        tried.push({ method, error: message });
        if (isUpsLinkError(error) && error.code === "link_down") break;
      }
    }
    throw new UpsLinkError(
      "refused_by_ups",
      `No shutdown method succeeded (${tried.map((t) => t.method).join(", ") || "none configured"}): ${tried.map((t) => t.error).join("; ")}`,
      { tried },
    );
  }

  private async runMethod(method: ShutdownMethod, supported: ReadonlySet<string>): Promise<string> {
    const need = (id: string) => {
      if (!supported.has(id)) throw new UpsLinkError("not_supported", `This UPS does not support '${id}'.`);
    };
    const onBattery = this.model.store.get("on_battery_mode") === true;
    const act = async (id: string, params: Record<string, Value> = {}) => {
      need(id);
      const row = findRow(id);
      if (row === undefined) throw new UpsLinkError("unknown_action", id);
      const reply = await this.runAction(row, params);
      interpretReply(row, reply);
      return reply;
    };
    switch (method) {
      case "S":
        if (!onBattery) throw new UpsLinkError("not_on_battery", "S works only on battery.");
        return act("shutdown_on_battery");
      case "@":
        return act("shutdown_delayed_wake", { tenths: this.options.shutdownReturn.wakeDelayTenths });
      case "K":
        return act("turn_off_after_delay");
      case "Z":
        return act("turn_off_immediate");
      case "CS": {
        need("shutdown_on_battery");
        this.model.noteTestStarted();
        await act("simulate_power_failure");
        await new Promise((resolve) => setTimeout(resolve, this.options.shutdownReturn.csDelayMs));
        const row = findRow("shutdown_on_battery");
        if (row === undefined) throw new UpsLinkError("unknown_action", "shutdown_on_battery");
        const reply = await this.runAction(row, {});
        interpretReply(row, reply);
        return reply;
      }
    }
  }

  /**
   * The link already turns `NO`/`ERR` into `refused_by_ups`, with a generic sentence: give it the
   * action's own (why the UPS refuses and what to do), as `interpretReply` does for a raw reply.
   */
  private async runAction(row: CatalogueRow, params: Readonly<Record<string, Value>>): Promise<string> {
    try {
      return await this.link.action(row.id, params);
    } catch (error) {
      const refusal = REFUSALS[row.id];
      if (isUpsLinkError(error) && error.code === "refused_by_ups" && refusal !== undefined) {
        throw new UpsLinkError("refused_by_ups", refusal, { ...error.context }, { cause: error });
      }
      throw error;
    }
  }

  private outcome(
    status: OutcomeStatus,
    action: string,
    data: Value,
    transaction: Value | undefined,
  ): Outcome {
    return { status, action, data, error: null, transaction };
  }

  private failure(action: string, error: unknown, transaction: Value | undefined): Outcome {
    const e = isUpsLinkError(error)
      ? error
      : new UpsLinkError(
          "bad_reply",
          `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
        );
    if (!isUpsLinkError(error)) this.log.error({ err: error, action }, "unexpected failure");
    return { status: "error", action, data: null, error: { code: e.code, message: e.message }, transaction };
  }

  /** Whether the link should treat silence after this action as an expected shutdown. */
  static isShutdownAction(id: string): boolean {
    return SHUTDOWN_ACTIONS.has(id);
  }
}

function destructiveDisabled(actionId: string): UpsLinkError {
  return new UpsLinkError(
    "destructive_disabled",
    `'${actionId}' can drop the load and destructive commands are disabled. Set commands.allow_destructive (UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE=true) to allow them, with confirmation.`,
  );
}

/** Maps an action's reply to data, or throws with a code and a sentence. */
export function interpretReply(row: CatalogueRow, reply: string): Value {
  const text = reply.trim();
  switch (text) {
    case "OK":
    case "*":
    case "SM":
    case "BYE":
    case "CLEAR":
      return { reply: text };
    case "BYP":
      return { reply: text, result: "to_bypass" };
    case "INV":
      return { reply: text, result: "to_inverter" };
    case "NO":
    case "ERR":
      throw new UpsLinkError("refused_by_ups", REFUSALS[row.id] ?? `The UPS refused '${row.id}' (${text}).`, {
        reply: text,
      });
    case "NA":
      throw new UpsLinkError(
        "not_supported",
        `The UPS does not accept '${row.id}' now (NA): not supported, or not in this state (sleeping, after a shutdown command, during calibration).`,
      );
    default:
      if (row.replies.length === 0 && text === "") return { reply: "" };
      throw new UpsLinkError(
        "bad_reply",
        `The UPS answered '${row.id}' with '${text}', which this bridge does not expect.`,
        { reply: text },
      );
  }
}
