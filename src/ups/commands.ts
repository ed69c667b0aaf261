// Commands and settings for one UPS: interlocks, the two-step confirmation and execution on the
// link. The codec validates and encodes each request once and reads the UPS's replies; the
// catalogue's rows say what an action changes and what to re-read after it. A destructive byte goes
// on the wire only from `confirm`, never from `request`.

import type { BridgeEventType } from "../events.js";
import type { Logger } from "../log.js";
import {
  actionRow,
  findAction,
  findSetting,
  type HaEntity,
  SHUTDOWN_METHODS,
  type ShutdownMethod,
} from "../protocol/catalogue/index.js";
import { type ActionReply, type EncodedAction, encodeAction } from "../protocol/codec.js";
import { type ErrorCode, isUpsLinkError, UpsLinkError } from "../protocol/errors.js";
import type { ActionRow, SettingRow, Value } from "../protocol/types.js";
import { Timers } from "../util/timers.js";
import {
  ConfirmationManager,
  type ConfirmSelector,
  type PendingConfirmation,
  pendingToJson,
} from "./confirmation.js";
import type { UpsLink } from "./link.js";
import type { UpsModel } from "./model.js";
import { planEdit } from "./settings.js";

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
  event(eventType: CommandEventType, data: Record<string, Value>): void;
  pending(list: readonly Record<string, Value>[]): void;
}

/** Events the command service emits on `<ups>/event`, beside the UPS's alerts (listed in src/events.ts). */
export const COMMAND_EVENTS = [
  "confirmation_requested",
  "confirmation_expired",
  "command_executed",
] as const satisfies readonly BridgeEventType[];
export type CommandEventType = (typeof COMMAND_EVENTS)[number];

/** The composite shutdown-and-return: NUT's advorder over the shutdown methods of the catalogue. */
const SHUTDOWN_RETURN = "shutdown_return";

/** Composite actions the bridge offers beyond the catalogue. */
export const COMPOSITE_ACTIONS = [
  {
    id: SHUTDOWN_RETURN,
    label: "Shut down and return",
    destructive: true,
    description:
      "Shuts the load down and lets it come back when power returns, trying the configured methods in order (NUT's advorder): S on battery, @ with a wake delay, K, Z, or U then S.",
    ha: { platform: "button", deviceClass: null, category: "config", enabledByDefault: true },
  },
] as const satisfies readonly {
  readonly id: string;
  readonly label: string;
  readonly destructive: boolean;
  readonly description: string;
  readonly ha: HaEntity;
}[];

const COMPOSITE_IDS: ReadonlySet<string> = new Set(COMPOSITE_ACTIONS.map((a) => a.id));

/** What `check` found: the action ready for the wire, or the composite. */
type Checked =
  | { readonly kind: "action"; readonly request: EncodedAction }
  | { readonly kind: "composite"; readonly params: Record<string, Value> };

export class CommandService {
  readonly confirmations: ConfirmationManager;
  private readonly log: Logger;
  private readonly timers = new Timers();

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

  /** `command/<action id>`: non-destructive actions run at once; destructive ones become pending. */
  async command(
    actionId: string,
    params: Readonly<Record<string, Value>>,
    transaction: Value | undefined,
  ): Promise<Outcome> {
    try {
      const checked = this.check(actionId, params);
      const destructive = checked.kind === "composite" || checked.request.row.destructive;
      if (destructive) {
        const normalized = checked.kind === "composite" ? checked.params : checked.request.params;
        const entry = this.confirmations.request(actionId, normalized, transaction);
        this.events.event("confirmation_requested", {
          action: actionId,
          token: entry.token,
          expires_at: entry.expiresAt.toISOString(),
        });
        return this.outcome("pending", actionId, pendingToJson(entry), transaction);
      }
      return await this.execute(actionId, checked, transaction);
    } catch (error) {
      return this.failure(actionId, error, transaction);
    }
  }

  /**
   * An action whose user was authorised elsewhere for this very action (a NUT user granted the
   * instant command by name): it runs at once, destructive or not, without the two-step
   * confirmation. commands.allow_destructive and every interlock still apply.
   */
  async commandAuthorised(
    actionId: string,
    params: Readonly<Record<string, Value>>,
    transaction: Value | undefined,
  ): Promise<Outcome> {
    try {
      return await this.execute(actionId, this.check(actionId, params), transaction);
    } catch (error) {
      return this.failure(actionId, error, transaction);
    }
  }

  /**
   * Shutdown orchestration's shutdown_return (src/shutdown/): the one destructive command sent
   * without an MQTT confirmation. `shutdown.orchestrate` is its own opt-in, so
   * commands.allow_destructive is not asked (it would expose every destructive button besides);
   * the link must be up, and each method's support and interlock still apply (S only on battery).
   */
  async orchestratedShutdownReturn(): Promise<Outcome> {
    try {
      if (!this.model.isOnline || this.model.caps === null) {
        throw new UpsLinkError("link_down", "The UPS is not answering: shutdown_return cannot be sent.");
      }
      return await this.shutdownReturn(undefined);
    } catch (error) {
      return this.failure(SHUTDOWN_RETURN, error, undefined);
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
      return await this.execute(entry.action, this.check(entry.action, entry.params), tx);
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
      const row: SettingRow | undefined = findSetting(settingId);
      if (row === undefined) {
        throw new UpsLinkError(
          "unknown_setting",
          `'${settingId}' is not a setting. \`upslink2mqtt commands\` lists them.`,
        );
      }
      this.requireSupported(row);
      const allowed = this.model.caps?.settingValues[row.id] ?? null;
      const ringFromUnit = this.model.caps?.ringsFromUnit.has(row.id) ?? false;
      // A value refused here never reaches the UPS (no read-back either: nothing was touched).
      const edit = planEdit(row, value, allowed, ringFromUnit);
      try {
        const result = await this.link.exclusive(edit);
        return this.outcome("ok", settingId, result, transaction);
      } finally {
        // Whatever the outcome of an edit that reached the line (done, refused, timeout, ring gone
        // round), the value is read back and published, so MQTT shows what the unit holds, not the
        // value that was wanted (issue 12).
        await this.model
          .reread([row.id])
          .catch((error: unknown) =>
            this.log.warn({ setting: row.id, err: String(error) }, "read-back after an edit failed"),
          );
      }
    } catch (error) {
      return this.failure(settingId, error, transaction);
    }
  }

  dispose(): void {
    // A shutdown_return waiting between U and S stops there, as on a lost link (no further method).
    this.timers.clearAll(new UpsLinkError("link_down", "The bridge is stopping."));
    this.confirmations.dispose();
  }

  /** Validation (the codec encodes the action once) and interlocks; throws before anything is sent. */
  private check(actionId: string, params: Readonly<Record<string, Value>>): Checked {
    if (COMPOSITE_IDS.has(actionId)) {
      if (Object.keys(params).length > 0) {
        throw new UpsLinkError(
          "invalid_params",
          `'${actionId}' takes no parameters: its methods and delays are configured (commands.shutdown_return).`,
        );
      }
      if (!this.options.allowDestructive) throw destructiveDisabled(actionId);
      return { kind: "composite", params: {} };
    }
    const row = findAction(actionId);
    if (row === undefined) {
      throw new UpsLinkError(
        "unknown_action",
        `'${actionId}' is not an action of this bridge. \`upslink2mqtt commands\` lists the actions.`,
      );
    }
    if (row.destructive && !this.options.allowDestructive) throw destructiveDisabled(actionId);
    this.requireSupported(row);
    const request = encodeAction(row, params);
    this.checkInterlock(row, true);
    return { kind: "action", request };
  }

  /** The state the row needs (S: on battery); `hint` adds what to do instead. */
  private checkInterlock(row: ActionRow, hint: boolean): void {
    const interlock = row.interlock;
    if (interlock === null || this.model.store.get(interlock.key) === interlock.value) return;
    throw new UpsLinkError(
      interlock.code,
      hint ? `${interlock.sentence} ${interlock.hint}` : interlock.sentence,
    );
  }

  private requireSupported(row: ActionRow | SettingRow): void {
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
    checked: Checked,
    transaction: Value | undefined,
  ): Promise<Outcome> {
    if (checked.kind === "composite") return this.shutdownReturn(transaction);
    const { request } = checked;
    const { row } = request;
    const data = await this.send(request);
    this.log.info({ action: row.id, reply: data.reply }, "action executed");
    this.events.event("command_executed", { action: row.id, reply: data.reply, params: request.params });
    this.afterAction(row);
    return this.outcome("ok", actionId, data, transaction);
  }

  /** Sends an encoded action; a commanded transfer is noted first, so it is not taken for an outage. */
  private async send(request: EncodedAction): Promise<ActionReply> {
    const transfer = request.row.effect === "commanded_transfer";
    if (transfer) this.model.noteTestStarted();
    try {
      return await this.link.action(request);
    } catch (error) {
      if (transfer) this.model.noteTestFailed();
      throw error;
    }
  }

  /** Re-reads what an action changes (its row says what), without holding up its response. */
  private afterAction(row: ActionRow): void {
    if (row.reread.length > 0) void this.model.reread(row.reread);
    if (row.rereadTier !== null) void this.model.refresh(row.rereadTier);
    const later = row.rereadLater;
    if (later !== null) {
      this.timers.after(later.afterMs, () => void this.model.reread(later.reread));
    }
  }

  /**
   * The composite `shutdown_return`: the configured methods in order until one succeeds (NUT's
   * advorder). S only on battery; @ with the configured wake delay; K and Z; CS = U, a pause, then S.
   */
  private async shutdownReturn(transaction: Value | undefined): Promise<Outcome> {
    const tried: { method: ShutdownMethod; error: string }[] = [];
    for (const method of this.options.shutdownReturn.order) {
      try {
        const reply = await this.runMethod(method);
        this.events.event("command_executed", { action: SHUTDOWN_RETURN, method, reply });
        return this.outcome("ok", SHUTDOWN_RETURN, { method, reply, tried }, transaction);
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

  /**
   * One method: every step must be supported before anything is sent; the first step's interlock is
   * checked (S on line is refused), later steps run in the state the earlier ones caused, after the
   * configured pause (CS: U, pause, S).
   */
  private async runMethod(method: ShutdownMethod): Promise<string> {
    const supported = this.model.caps?.supported;
    const steps = SHUTDOWN_METHODS[method].steps.map((step) => ({ step, row: actionRow(step.action) }));
    for (const { row } of steps) {
      if (supported?.has(row.id) !== true)
        throw new UpsLinkError("not_supported", `This UPS does not support '${row.id}'.`);
    }
    let reply = "";
    for (const [index, { step, row }] of steps.entries()) {
      if (index === 0) this.checkInterlock(row, false);
      else await this.timers.sleep(this.options.shutdownReturn.csDelayMs);
      const params: Record<string, Value> =
        step.wakeDelayParam === null
          ? {}
          : { [step.wakeDelayParam]: this.options.shutdownReturn.wakeDelayTenths };
      reply = (await this.send(encodeAction(row, params))).reply;
    }
    return reply;
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
}

function destructiveDisabled(actionId: string): UpsLinkError {
  return new UpsLinkError(
    "destructive_disabled",
    `'${actionId}' can drop the load and destructive commands are disabled. Set commands.allow_destructive (UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE=true) to allow them, with confirmation.`,
  );
}
