// Power and physics: the utility line, transfers to and from battery, the output, the battery's
// charge and discharge over time, and the alerts they raise (`!` `$` `%` `+` `?` `=` `#`). The
// unit dies when its output is off with no utility and boots when the utility returns.
import type { Intake } from "./intake.js";
import type { MeasureUps } from "./measure.js";
import { fullRuntimeMinutes, NOMINAL, runtimeMinutes } from "./physics.js";
import { inputVolts, minRestartCharge } from "./queries.js";
import { SETTING } from "./settings.js";
import type { OffReason } from "./state.js";
import {
  LINE_FAIL_REPEAT_MS,
  POWER_ON_ALERT_MS,
  REPLACE_REPEAT_MS,
  RESTART_RETRY_MS,
  TICK_MS,
} from "./timing.js";
import { numberSetting, type Unit } from "./unit.js";

/** Hours for a full recharge. */
const RECHARGE_HOURS = 3;
/** Seed: calibration discharges to below 25 % (35 % on Matrix-UPS). */
const CALIBRATION_END = { matrix: 35, other: 25 } as const;

/** Why the unit reports an abnormal condition with `?` (and `=` when the last one clears). */
export type AbnormalReason = "register" | "low_battery_shutdown";

export class Power {
  readonly #unit: Unit;
  readonly #measure: MeasureUps;
  readonly #intake: Intake;
  #lineFailSent = false;
  #lowBatterySent = false;
  readonly #abnormal = new Set<AbnormalReason>();
  #maxLine: number;
  #minLine: number;

  constructor(unit: Unit, measure: MeasureUps, intake: Intake) {
    this.#unit = unit;
    this.#measure = measure;
    this.#intake = intake;
    this.#maxLine = unit.state.lineVoltage;
    this.#minLine = unit.state.lineVoltage;
  }

  /** Starts the battery clock and sends the power-on `?`. */
  start(): void {
    this.#unit.timers.every(TICK_MS, () => this.#tick());
    this.#powerOnAlert();
  }

  /** Highest and lowest line voltage since the last `M` / `N` read. */
  get maxLine(): number {
    return this.#maxLine;
  }

  get minLine(): number {
    return this.#minLine;
  }

  /** PROTOCOL-NOTES: M and N reset on every read. */
  resetLineExtreme(which: "max" | "min"): void {
    const now = inputVolts(this.#unit.state);
    if (which === "max") this.#maxLine = now;
    else this.#minLine = now;
  }

  // ---- the utility --------------------------------------------------------------------------------

  powerFail(cause: string): void {
    const s = this.#unit.state;
    if (!s.linePresent) return;
    s.linePresent = false;
    this.#endCommandTransfer();
    if (!s.outputOn) {
      this.#die();
      return;
    }
    if (s.bypass) {
      // In bypass the load hangs on the utility: it drops with it.
      s.bypass = false;
      this.outputOff("Z");
      return;
    }
    s.transferCause = cause;
    this.goOnBattery(true);
  }

  powerRestore(): void {
    const { state: s, profile } = this.#unit;
    if (s.linePresent) return;
    s.linePresent = true;
    s.lineVoltage = NOMINAL[profile.locale].volts + (profile.locale === "I" ? 0.9 : 0.6);
    this.#trackLine();
    if (!s.alive) {
      this.#boot();
      return;
    }
    if (s.onBattery) this.returnToLine();
    if (!s.outputOn) this.scheduleRestart();
  }

  setLineVoltage(volts: number): void {
    const unit = this.#unit;
    const s = unit.state;
    const nominal = NOMINAL[unit.profile.locale].volts;
    const upper = numberSetting(unit, SETTING.upperTransfer, nominal * 1.12);
    const lower = numberSetting(unit, SETTING.lowerTransfer, nominal * 0.86);
    if (volts <= 0) {
      this.powerFail("L");
      return;
    }
    if (volts > upper || volts < lower) {
      s.lineVoltage = volts;
      this.powerFail(volts > upper ? "H" : "L");
      return;
    }
    if (!s.linePresent) this.powerRestore();
    s.lineVoltage = volts;
    this.#trackLine();
  }

  // ---- transfers and the output -------------------------------------------------------------------

  /** `afterReply`: the `!` follows the `OK` of the command that caused the transfer (D, U, W). */
  goOnBattery(announce: boolean, afterReply = false): void {
    this.#unit.state.onBattery = true;
    if (announce) {
      this.#lineFailSent = true;
      if (afterReply) this.#unit.out.alertAfterReply("!");
      else this.#unit.out.alert("!");
      this.#scheduleLineFailRepeat();
    }
    this.evaluateBattery();
  }

  #scheduleLineFailRepeat(): void {
    this.#unit.timers.schedule("line-fail-repeat", LINE_FAIL_REPEAT_MS, () => {
      const s = this.#unit.state;
      if (!s.onBattery || s.lowBattery || !s.alive) return;
      this.#unit.out.alert("!");
      this.#scheduleLineFailRepeat();
    });
  }

  returnToLine(): void {
    this.#unit.state.onBattery = false;
    this.#unit.timers.cancel("line-fail-repeat");
    if (this.#lineFailSent) {
      // Seed: `$` only if `!` was sent first.
      this.#lineFailSent = false;
      this.#unit.out.alert("$");
    }
    this.evaluateBattery();
  }

  /** Calibration ends (second `D`, or the battery fell low enough): back to line if present. */
  endCalibration(): void {
    const s = this.#unit.state;
    s.calibrating = false;
    if (s.linePresent && s.onBattery) this.returnToLine();
  }

  /** A real outage ends any command-induced transfer (self-test, U, calibration). */
  #endCommandTransfer(): void {
    const { state: s, timers } = this.#unit;
    if (s.selfTestRunning) {
      timers.cancel("self-test");
      s.selfTestRunning = false;
    }
    if (s.simulatingFailure) {
      timers.cancel("simulated-failure");
      s.simulatingFailure = false;
    }
    s.calibrating = false;
    if (s.onBattery && !this.#lineFailSent) s.onBattery = false;
  }

  outputOff(reason: Exclude<OffReason, null>): void {
    const s = this.#unit.state;
    s.outputOn = false;
    s.offReason = reason;
    s.onBattery = false;
    s.calibrating = false;
    this.#unit.timers.cancel("line-fail-repeat");
    if (reason === "battery_exhausted") this.setAbnormal("low_battery_shutdown", true);
    if (!s.linePresent) {
      this.#die();
      return;
    }
    if (reason === "S" || reason === "@" || reason === "battery_exhausted") this.scheduleRestart();
  }

  outputOn(): void {
    const s = this.#unit.state;
    this.#unit.timers.cancel("restart");
    s.outputOn = true;
    s.offReason = null;
    s.sleeping = false;
    s.wakeAt = null;
    s.onBattery = !s.linePresent;
    this.#intake.unmute();
    this.setAbnormal("low_battery_shutdown", false);
    this.evaluateBattery();
  }

  /** After S, @ddd or a low-battery shutdown: back on when line is present, after the wake time and turn-on delay. */
  scheduleRestart(): void {
    const unit = this.#unit;
    const s = unit.state;
    if (!s.linePresent || s.offReason === "K" || s.offReason === "Z") return;
    const wakeIn = s.sleeping && s.wakeAt !== null ? Math.max(0, s.wakeAt - unit.clock.now()) : 0;
    const turnOnDelay = numberSetting(unit, SETTING.turnOnDelay, 0) * 1000;
    unit.timers.schedule("restart", wakeIn + turnOnDelay, () => {
      if (!s.linePresent) return;
      if (s.charge < minRestartCharge(s)) {
        // Seed `e`: wait until the battery holds the minimum capacity to restart.
        unit.timers.schedule("restart", RESTART_RETRY_MS, () => this.scheduleRestart());
        return;
      }
      this.outputOn();
    });
  }

  // ---- the microcontroller's power ----------------------------------------------------------------

  /** Output off with no utility: the microcontroller loses power and the unit goes quiet. */
  #die(): void {
    const s = this.#unit.state;
    s.alive = false;
    s.smartMode = false;
    s.onBattery = false;
    this.#intake.reset();
    this.#intake.unmute();
    // The microcontroller forgets what it announced: no `=` follows the power-on `?` (seed).
    this.#abnormal.delete("low_battery_shutdown");
    for (const name of ["line-fail-repeat", "measure", "replace-battery", "eeprom", "self-test"] as const)
      this.#unit.timers.cancel(name);
  }

  /** Utility returns to a dead unit: it starts in simple signalling and sends `?` (PROTOCOL-NOTES). */
  #boot(): void {
    const s = this.#unit.state;
    s.alive = true;
    s.smartMode = false;
    this.#lineFailSent = false;
    this.#powerOnAlert();
    this.scheduleRestart();
  }

  #powerOnAlert(): void {
    this.#unit.timers.schedule("power-on", POWER_ON_ALERT_MS, () => this.#unit.out.alert("?", true));
  }

  // ---- the battery --------------------------------------------------------------------------------

  #tick(): void {
    const { state: s, profile } = this.#unit;
    const seconds = TICK_MS / 1000;
    if (s.outputOn && s.onBattery) {
      const perMinute = 100 / fullRuntimeMinutes(profile, Math.max(s.load, 1));
      s.charge = Math.max(0, s.charge - (perMinute * seconds) / 60);
      const calibrationEnd = profile.family === "matrix_ups" ? CALIBRATION_END.matrix : CALIBRATION_END.other;
      if (s.calibrating && s.charge < calibrationEnd) this.endCalibration();
    } else if (s.linePresent && s.charge < 100) {
      s.charge = Math.min(100, s.charge + (100 * seconds) / (RECHARGE_HOURS * 3600));
    }
    this.#trackLine();
    this.evaluateBattery();
  }

  #trackLine(): void {
    const volts = inputVolts(this.#unit.state);
    this.#maxLine = Math.max(this.#maxLine, volts);
    this.#minLine = Math.min(this.#minLine, volts);
  }

  /** Low battery (`%`, `+`), a shutdown at 0 %, and the Measure-UPS alarms that may follow. */
  evaluateBattery(): void {
    const unit = this.#unit;
    const s = unit.state;
    const q = numberSetting(unit, SETTING.lowBatteryWarning, 2);
    const runtime = runtimeMinutes(unit.profile, s.charge, s.outputOn ? s.load : 0);
    const low = s.charge <= 0 || (runtime !== null && runtime <= q);
    if (low && !s.lowBattery) {
      s.lowBattery = true;
      this.#lowBatterySent = true;
      unit.timers.cancel("line-fail-repeat");
      unit.out.alert("%");
    } else if (!low && s.lowBattery) {
      s.lowBattery = false;
      if (this.#lowBatterySent) {
        this.#lowBatterySent = false;
        unit.out.alert("+");
      }
    }
    if (s.outputOn && s.onBattery && s.charge <= 0) this.outputOff("battery_exhausted");
    this.#measure.evaluate();
  }

  /** `#`, repeated every 5 h while the battery needs replacing. */
  replaceBatteryAlert(): void {
    this.#unit.state.replaceBattery = true;
    this.#unit.out.alert("#");
    this.#unit.timers.schedule("replace-battery", REPLACE_REPEAT_MS, () => {
      if (this.#unit.state.replaceBattery) this.replaceBatteryAlert();
    });
  }

  setAbnormal(reason: AbnormalReason, active: boolean): void {
    const had = this.#abnormal.size > 0;
    if (active) {
      if (this.#abnormal.has(reason)) return;
      this.#abnormal.add(reason);
      this.#unit.out.alert("?");
      return;
    }
    if (!this.#abnormal.delete(reason)) return;
    // Seed: `=` only after a `?` for an abnormal condition, when the last one clears.
    if (had && this.#abnormal.size === 0) this.#unit.out.alert("=");
  }
}
