// One configured UPS as a NUT UPS: named by its id, described by its model, its variables read from
// the UPS model's live state, SET VAR and INSTCMD carried out by its command service (which owns the
// interlocks and the refusal of destructive actions when they are disabled). Holds NUT's FSD latch.
import { SHUTDOWN_METHODS } from "../protocol/catalogue/index.js";
import type { ErrorCode } from "../protocol/errors.js";
import type { Value } from "../protocol/types.js";
import type { CommandService, Outcome } from "../ups/commands.js";
import type { UpsModel } from "../ups/model.js";
import { nominalRealPower } from "../ups/power.js";
import { SHUTDOWN_RETURN_AT } from "./mapping.js";
import type { NutError } from "./protocol.js";
import { type DriverInfo, type NutCommand, type NutVariable, nutCommands, nutVariables } from "./view.js";

export interface NutUpsOptions {
  /** The UPS id: its NUT name. */
  readonly id: string;
  /** The configured display name, if any. */
  readonly name: string | null;
  readonly allowDestructive: boolean;
  readonly driver: DriverInfo;
  /** `ups[].nominal_power_w`; null or absent: the model's rating when known. */
  readonly nominalPowerW?: number | null;
}

/** How a SET or an INSTCMD ended: `OK`, or an error word with the sentence behind it (for the log). */
export type NutResult =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly error: NutError; readonly detail: string };

export class NutUps {
  /** Raised by a NUT client's FSD: kept until the bridge restarts, as upsd does. */
  private fsdRaised = false;
  /** Raised by shutdown orchestration (src/shutdown/), which clears it when the outage is over. */
  private fsdOrchestrated = false;

  constructor(
    private readonly model: UpsModel,
    private readonly commands: CommandService,
    private readonly options: NutUpsOptions,
  ) {}

  get name(): string {
    return this.options.id;
  }

  /** `LIST UPS` / `GET UPSDESC`: the model the UPS reports, else the configured name. */
  get description(): string {
    return this.model.caps?.identity.model ?? this.options.name ?? "Description unavailable";
  }

  /** NUT's forced-shutdown latch: while raised, `ups.status` starts with FSD. */
  get fsd(): boolean {
    return this.fsdRaised || this.fsdOrchestrated;
  }

  /** Shutdown orchestration's FSD; a client's FSD stays whatever it does here. */
  setOrchestratedFsd(raised: boolean): void {
    this.fsdOrchestrated = raised;
  }

  raiseFsd(): void {
    this.fsdRaised = true;
  }

  /** The variables now, or null while the data is stale (link down, status not read yet). */
  variables(): Map<string, NutVariable> | null {
    return nutVariables(
      {
        online: this.model.isOnline,
        caps: this.model.caps,
        values: this.model.store.snapshot(),
        fsd: this.fsd,
        nominalPowerW:
          this.options.nominalPowerW ?? nominalRealPower(this.model.caps?.identity.model ?? null),
      },
      this.options.driver,
    );
  }

  commandList(): NutCommand[] {
    return nutCommands(this.model.caps, this.options.allowDestructive);
  }

  /** SET VAR on a writable variable: the ring is stepped (or the text entered) by the command service. */
  async setVariable(variable: NutVariable, value: string): Promise<NutResult> {
    const writable = variable.writable;
    if (writable === null) return { ok: false, error: "READONLY", detail: `${variable.name} is read-only` };
    let target: string;
    if (writable.kind === "string") {
      if (value.length > writable.length)
        return { ok: false, error: "TOO-LONG", detail: `at most ${writable.length} characters` };
      target = value;
    } else {
      const option = writable.options.find((o) => o.nut === value);
      if (option === undefined) {
        return {
          ok: false,
          error: "INVALID-VALUE",
          detail: `allowed: ${writable.options.map((o) => o.nut).join(", ")}`,
        };
      }
      target = option.ups;
    }
    const outcome = await this.commands.set(writable.setting, target, undefined);
    return result(outcome, SET_WORDS, "SET-FAILED");
  }

  /**
   * INSTCMD. The caller has checked the user's grant; a destructive command therefore runs without
   * the MQTT confirmation, but still only with commands.allow_destructive and the interlocks.
   */
  async runCommand(command: NutCommand, param: string | null): Promise<NutResult> {
    let action = command.action;
    let params: Record<string, Value> = {};
    if (command.nut === "shutdown.return" && param !== null) {
      const at = SHUTDOWN_RETURN_AT.exec(param);
      if (at?.[1] === undefined)
        return { ok: false, error: "INVALID-ARGUMENT", detail: "shutdown.return takes nothing or at:<n>" };
      // apcsmart's hard hibernate: `@` with n tenths of an hour of extra wake delay.
      const [step] = SHUTDOWN_METHODS["@"].steps;
      action = step.action;
      params = { [step.wakeDelayParam]: Number.parseInt(at[1], 10) };
    } else if (param !== null) {
      return { ok: false, error: "INVALID-ARGUMENT", detail: `${command.nut} takes no value` };
    }
    const done = command.doneWhen;
    if (done !== undefined) {
      const state = done.keys.some((key) => this.model.store.get(key) === true);
      if (state === done.value)
        return { ok: true, detail: "nothing to do: the UPS is already in that state" };
    }
    const outcome = command.destructive
      ? await this.commands.commandAuthorised(action, params, undefined)
      : await this.commands.command(action, params, undefined);
    return result(outcome, INSTCMD_WORDS, "INSTCMD-FAILED");
  }
}

/** The command service's outcome as a NUT answer; its code picks the nearest error word. */
function result(outcome: Outcome, words: Partial<Record<ErrorCode, NutError>>, failed: NutError): NutResult {
  if (outcome.status === "ok") return { ok: true, detail: JSON.stringify(outcome.data) };
  const error = outcome.error;
  return {
    ok: false,
    error: error === null ? failed : (words[error.code] ?? failed),
    detail: error === null ? outcome.status : `${error.code}: ${error.message}`,
  };
}

// Everything else the UPS or the interlocks refuse is the generic failure word.
const INSTCMD_WORDS: Partial<Record<ErrorCode, NutError>> = {
  invalid_params: "INVALID-ARGUMENT",
  // The command is listed: NA from the UPS means "not now" (sleeping, already off), a failure.
  destructive_disabled: "CMD-NOT-SUPPORTED",
  link_down: "DATA-STALE",
};
const SET_WORDS: Partial<Record<ErrorCode, NutError>> = {
  invalid_params: "INVALID-VALUE",
  not_supported: "VAR-NOT-SUPPORTED",
  link_down: "DATA-STALE",
};
