// What the unit does with each whole command the intake hands it: queries are answered from the
// state (queries.ts), settings are read and edited (edits.ts), actions act (actions.ts). Which
// commands a unit has, what it says to the others, and what it refuses while busy are decided here.
import { formatDump } from "../protocol/dump-format.js";
import type { Actions } from "./actions.js";
import type { Edits } from "./edits.js";
import type { Frame, Intake } from "./intake.js";
import type { MeasureUps } from "./measure.js";
import { NOMINAL } from "./physics.js";
import type { Power } from "./power.js";
import { supports } from "./profiles.js";
import { answerQuery, type QueryContext } from "./queries.js";
import { SETTING, type SimSetting } from "./settings.js";
import { numberSetting, type Unit } from "./unit.js";

const Y = 0x59;
const K = 0x4b;
const Z = 0x5a;
const CTRL_N = 0x0e;
/** PROTOCOL-NOTES "Wire": the whole `a` exchange takes about 0.7 s, Ctrl-Z about 2 s. */
const COMMAND_SET_LATENCY_MS = 700;
const DUMP_LATENCY_MS = 2000;

export interface CommandParts {
  readonly intake: Intake;
  readonly power: Power;
  readonly actions: Actions;
  readonly edits: Edits;
  readonly measure: MeasureUps;
}

export class Commands {
  readonly #unit: Unit;
  readonly #parts: CommandParts;
  readonly #settingByByte: ReadonlyMap<number, SimSetting>;

  constructor(unit: Unit, parts: CommandParts) {
    this.#unit = unit;
    this.#parts = parts;
    this.#settingByByte = new Map(unit.settings.map((setting) => [setting.byte, setting]));
  }

  run(frame: Frame): void {
    const { state: s, out } = this.#unit;
    switch (frame.kind) {
      case "smart-mode":
        s.smartMode = true;
        out.reply("SM");
        return;
      case "delayed-wake":
        this.#parts.actions.delayedWake(frame.tenths);
        return;
      case "text":
        this.#parts.edits.textEntered(frame.setting, frame.chars);
        return;
      case "hex":
        this.#parts.edits.hexEntered(frame.setting, frame.chars);
        return;
      case "command":
        if ((s.faults.na && frame.byte !== Y) || s.faults.naTo.includes(String.fromCharCode(frame.byte))) {
          out.reply("NA");
          return;
        }
        this.#command(frame.byte, frame.editContext);
        return;
    }
  }

  #command(byte: number, editContext: SimSetting | null): void {
    const { state: s, profile, out } = this.#unit;
    const { intake, actions, edits, measure } = this.#parts;
    const char = String.fromCharCode(byte);
    if (byte === Y) {
      out.reply("SM");
      return;
    }
    if (!supports(profile, byte)) {
      this.#unsupported();
      return;
    }
    // Seed (`S`) and PROTOCOL-NOTES: after S or D answer OK, these answer NA.
    if ((s.pendingShutdown === "S" || s.calibrating) && "KUWZ@-".includes(char)) {
      out.reply("NA");
      return;
    }
    if (byte === K || byte === Z || byte === CTRL_N) {
      if (intake.press(byte)) actions.twoPress(byte);
      return;
    }
    switch (char) {
      case "A":
        out.reply("OK");
        return;
      case "S":
        actions.shutdownOnBattery();
        return;
      case "U":
        actions.simulatePowerFailure();
        return;
      case "W":
        actions.selfTest();
        return;
      case "D":
        actions.calibration();
        return;
      case "@":
        // PROTOCOL-NOTES: after `@` the unit waits for the digits; nothing is answered yet.
        intake.expectDigits();
        return;
      case "R":
        out.reply("BYE");
        s.smartMode = false;
        intake.reset();
        return;
      case "^":
        actions.bypassToggle();
        return;
      case "z":
        edits.resetEeprom();
        return;
      case "-":
        edits.edit(editContext);
        return;
      case "a":
        out.replyBytes(this.#commandSet(), COMMAND_SET_LATENCY_MS, false);
        return;
      case "J":
        out.reply(measure.alarmReply());
        return;
      case "\x7f": // DEL
        actions.abort();
        return;
      case "\x1a": // Ctrl-Z
        out.replyBytes(this.#dump(), DUMP_LATENCY_MS, false);
        return;
    }
    const setting = this.#settingByByte.get(byte);
    if (setting !== undefined) {
      edits.read(setting);
      return;
    }
    this.#query(byte);
  }

  #query(byte: number): void {
    const { state: s, out } = this.#unit;
    const char = String.fromCharCode(byte);
    if (char === "Q" && s.faults.smToQ) {
      out.reply("SM");
      return;
    }
    const answer = answerQuery(byte, this.#queryContext());
    if (answer === null) {
      this.#unsupported();
      return;
    }
    if (char === "M") this.#parts.power.resetLineExtreme("max");
    if (char === "N") this.#parts.power.resetLineExtreme("min");
    out.reply(answer);
  }

  #unsupported(): void {
    if (this.#unit.profile.unsupported === "NA") this.#unit.out.reply("NA");
  }

  #queryContext(): QueryContext {
    const unit = this.#unit;
    const { power } = this.#parts;
    return {
      profile: unit.profile,
      state: unit.state,
      now: unit.clock.now(),
      outputSetting: numberSetting(unit, SETTING.outputVoltage, NOMINAL[unit.profile.locale].volts),
      maxLine: power.maxLine,
      minLine: power.minLine,
    };
  }

  /** `a`: protocol level, alerts, commands, and on level 4 the extension bytes. */
  #commandSet(): Uint8Array {
    const profile = this.#unit.profile;
    const level = profile.levelField ?? String(profile.protocolLevel ?? 3);
    const bytes = [...Buffer.from(`${level}.${profile.alerts}.${profile.commands}`, "latin1")];
    if (profile.extensions.length > 0) bytes.push(0x2e, ...profile.extensions);
    return Uint8Array.from(bytes);
  }

  /** Ctrl-Z: the rings of the settings the unit lists, as the catalogue's dump format writes them. */
  #dump(): Uint8Array {
    const { profile, settings } = this.#unit;
    // A recorded unit's dump is sent as it was, other locales' items included.
    if (profile.rings !== undefined)
      return Buffer.from(formatDump(profile.rings, { matrix: profile.matrixDump }), "latin1");
    const items = settings
      .filter(
        (setting) => setting.inDump && !profile.refusedSettings.includes(String.fromCharCode(setting.byte)),
      )
      .flatMap((setting) => setting.dumpItems);
    return Buffer.from(formatDump(items, { matrix: profile.matrixDump }), "latin1");
  }
}
