// What the host's action commands do to the unit: turning off (K, Z, S, @ddd) and on (Ctrl-N),
// aborting (DEL), the battery test (W), a simulated failure (U), calibration (D) and bypass (^).
// Each answers as the seed says and leaves the power side to power.ts.
import type { Intake } from "./intake.js";
import type { Power } from "./power.js";
import { SETTING } from "./settings.js";
import { SELF_TEST_MS, SIMULATED_FAILURE_MS, TENTH_HOUR_MS } from "./timing.js";
import { numberSetting, type Unit } from "./unit.js";

const K = 0x4b;
const CTRL_N = 0x0e;

export class Actions {
  readonly #unit: Unit;
  readonly #power: Power;
  readonly #intake: Intake;

  constructor(unit: Unit, power: Power, intake: Intake) {
    this.#unit = unit;
    this.#power = power;
    this.#intake = intake;
  }

  /** The second press of K, Z or Ctrl-N, accepted by the intake. */
  twoPress(byte: number): void {
    const { state: s, out, timers } = this.#unit;
    if (byte === CTRL_N) {
      this.#turnOn();
      return;
    }
    if (!s.outputOn || s.pendingShutdown !== null) {
      out.reply("NA");
      return;
    }
    this.#acceptShutdownCommand();
    if (byte === K) {
      s.pendingShutdown = "K";
      timers.schedule("shutdown", this.#shutdownDelayMs(), () => {
        s.pendingShutdown = null;
        this.#power.outputOff("K");
      });
      return;
    }
    this.#power.outputOff("Z");
  }

  /** `S`: turn off after the shutdown delay, only while on battery. */
  shutdownOnBattery(): void {
    const { state: s, out, timers } = this.#unit;
    // Seed: only honoured while on battery; a self-test or `U` is not an outage.
    if (!s.onBattery || !s.outputOn || s.linePresent || s.pendingShutdown !== null) {
      out.reply("NA");
      return;
    }
    out.reply("OK");
    s.pendingShutdown = "S";
    timers.schedule("shutdown", this.#shutdownDelayMs(), () => {
      s.pendingShutdown = null;
      this.#power.outputOff("S");
    });
  }

  /** `@ddd`: turn off after the shutdown delay, back on after ddd tenths of an hour. */
  delayedWake(tenths: number): void {
    const { state: s, out, timers, clock } = this.#unit;
    if (!s.outputOn || s.pendingShutdown !== null) {
      out.reply("NA");
      return;
    }
    this.#acceptShutdownCommand();
    s.pendingShutdown = "@";
    timers.schedule("shutdown", this.#shutdownDelayMs(), () => {
      s.pendingShutdown = null;
      s.sleeping = true;
      // Seed: the load comes back after ddd tenths of an hour plus the turn-on delay.
      s.wakeAt = clock.now() + tenths * TENTH_HOUR_MS;
      this.#power.outputOff("@");
    });
  }

  /** `U`: a brief transfer to battery, announced like an outage. */
  simulatePowerFailure(): void {
    const { state: s, out, timers } = this.#unit;
    if (!s.linePresent || s.onBattery || !s.outputOn || s.bypass) {
      out.reply("NA");
      return;
    }
    out.reply("OK");
    s.simulatingFailure = true;
    s.transferCause = "S";
    this.#power.goOnBattery(true, true);
    timers.schedule("simulated-failure", SIMULATED_FAILURE_MS, () => {
      s.simulatingFailure = false;
      if (s.linePresent && s.onBattery) this.#power.returnToLine();
    });
  }

  /** `W`: the battery test; `X` then holds its result. */
  selfTest(): void {
    const { state: s, out } = this.#unit;
    if (!s.linePresent || s.onBattery || !s.outputOn || s.bypass) {
      out.reply("NA");
      return;
    }
    out.reply("OK");
    // Real units announce the test's transfer with `!` right after the OK (PROTOCOL-NOTES).
    this.#runSelfTest(true, true);
  }

  /**
   * The unit's own self-test (the front-panel test or the periodic automatic one): no command, and
   * announced with `!` like an outage, as some units do; only `G` = S tells it from one.
   */
  panelSelfTest(): void {
    const s = this.#unit.state;
    if (!s.linePresent || s.onBattery || !s.outputOn || s.bypass) return;
    this.#runSelfTest(true);
  }

  #runSelfTest(announce: boolean, afterReply = false): void {
    const { state: s, timers, clock } = this.#unit;
    s.selfTestRunning = true;
    s.transferCause = "S";
    // PROTOCOL-NOTES: bit 3 changes during a self-test, and `G` = S tells it from an outage.
    this.#power.goOnBattery(announce, afterReply);
    timers.schedule("self-test", SELF_TEST_MS, () => {
      s.selfTestRunning = false;
      if (s.linePresent && s.onBattery) this.#power.returnToLine();
      s.lastTestResult = s.faults.badBattery ? "BT" : s.load > 100 ? "NG" : "OK";
      s.lastTestAt = clock.now();
      if (s.lastTestResult === "BT") this.#power.replaceBatteryAlert();
      if (s.lastTestResult === "OK" && s.replaceBattery) {
        s.replaceBattery = false;
        timers.cancel("replace-battery");
      }
    });
  }

  /** `D`: runtime calibration, only at 100 %; a second `D` stops it. */
  calibration(): void {
    const { state: s, out } = this.#unit;
    if (s.calibrating) {
      // Seed: a second D aborts the calibration; the return to line (`$`) follows the OK.
      out.reply("OK");
      this.#power.endCalibration();
      return;
    }
    if (!s.linePresent || s.onBattery || !s.outputOn || s.charge < 100) {
      out.reply("NO");
      return;
    }
    out.reply("OK");
    s.calibrating = true;
    s.transferCause = "S";
    // Real units send `!` right after the OK (PROTOCOL-NOTES "Real units").
    this.#power.goOnBattery(true, true);
  }

  /** DEL: aborts a pending shutdown, or wakes a sleeping unit. */
  abort(): void {
    const { state: s, out, timers } = this.#unit;
    if (s.pendingShutdown !== null) {
      timers.cancel("shutdown");
      s.pendingShutdown = null;
      out.reply("OK");
      return;
    }
    if (s.sleeping && s.linePresent) {
      out.reply("OK");
      this.#power.outputOn();
      return;
    }
    out.reply("NO");
  }

  /** `^` (Matrix-UPS): into or out of bypass, answered BYP or INV. */
  bypassToggle(): void {
    const { state: s, out } = this.#unit;
    if (!s.outputOn || !s.linePresent || s.onBattery) {
      out.reply("ERR");
      return;
    }
    s.bypass = !s.bypass;
    out.reply(s.bypass ? "BYP" : "INV");
  }

  #turnOn(): void {
    const { state: s, out } = this.#unit;
    if (s.outputOn) {
      out.reply("NO");
      return;
    }
    out.reply("OK");
    this.#power.outputOn();
  }

  /** `OK`, or on old units a bare `*` after which they process no further commands (seed). */
  #acceptShutdownCommand(): void {
    if (this.#unit.profile.starReplies) {
      this.#unit.out.raw(Buffer.from("*", "latin1"));
      this.#intake.mute();
      return;
    }
    this.#unit.out.reply("OK");
  }

  #shutdownDelayMs(): number {
    return numberSetting(this.#unit, SETTING.shutdownDelay, 20) * 1000;
  }
}
