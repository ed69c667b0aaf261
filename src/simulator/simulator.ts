// A Smart-UPS as the host sees it over RS-232: bytes in, replies and alerts out, with the unit's
// state changing over time (discharge, charge, self-test, shutdowns). It models the device from the
// seed and PROTOCOL-NOTES, not what any client expects: tests of the bridge, the demo and
// `upslink2mqtt simulate` all talk to it through `write` and the `data` event.
//
// This class wires the parts together and is the unit's public face. Bytes from the host go
// through the intake (framing) to the commands; the power side (line, battery, transfers, alerts)
// and the Measure-UPS run on the clock; replies and alerts leave through the output.
import { Actions } from "./actions.js";
import { type Clock, REAL_CLOCK } from "./clock.js";
import { Commands } from "./commands.js";
import { type ControlTarget, runControl } from "./control.js";
import { Edits } from "./edits.js";
import { Intake } from "./intake.js";
import { MeasureUps } from "./measure.js";
import { type DataListener, Output } from "./output.js";
import { Power } from "./power.js";
import { PROFILES, type Profile, type ProfileName } from "./profiles.js";
import { type SimSetting, settingsFor } from "./settings.js";
import { initialState, type SimFaults, type SimState } from "./state.js";
import { SimTimers } from "./timers.js";
import type { Unit } from "./unit.js";

export {
  CHAR_MS,
  EEPROM_ALERT_MS,
  LINE_FAIL_REPEAT_MS,
  MEASURE_REPEAT_MS,
  REPLACE_REPEAT_MS,
  SELF_TEST_MS,
  SIMULATED_FAILURE_MS,
  TICK_MS,
  TWO_PRESS_GAP_MS,
} from "./timing.js";

export interface SimulatorOptions {
  readonly profile: ProfileName | Profile;
  /** Emit bytes at true 2400 baud (about 4.17 ms per character) with realistic reply latency. */
  readonly pacing?: boolean;
  /** Overrides the profile's serial number (`n`). */
  readonly serial?: string;
  /** The unit's time: every timer and timestamp goes through it (default: the real time). */
  readonly clock?: Clock;
}

export interface ReceivedByte {
  readonly byte: number;
  readonly at: number;
}

/** Cap on `received`, so a long `simulate` run does not grow without bound. */
const RECEIVED_CAP = 100_000;

export class SmartUpsSimulator implements ControlTarget {
  readonly profile: Profile;
  readonly #unit: Unit;
  readonly #intake: Intake;
  readonly #commands: Commands;
  readonly #power: Power;
  readonly #actions: Actions;
  readonly #measure: MeasureUps;
  readonly #received: ReceivedByte[] = [];

  constructor(options: SimulatorOptions) {
    const base = typeof options.profile === "string" ? PROFILES[options.profile] : options.profile;
    this.profile = options.serial === undefined ? base : { ...base, serial: options.serial };
    const clock = options.clock ?? REAL_CLOCK;
    const settings = settingsFor(this.profile);
    const state = initialState(this.profile, settings, options.pacing ?? false);
    const timers = new SimTimers(clock);
    const out = new Output(this.profile, state, clock, timers);
    this.#unit = { profile: this.profile, state, settings, clock, timers, out };
    this.#intake = new Intake(state, clock);
    this.#measure = new MeasureUps(this.#unit);
    this.#power = new Power(this.#unit, this.#measure, this.#intake);
    const actions = new Actions(this.#unit, this.#power, this.#intake);
    this.#actions = actions;
    const edits = new Edits(this.#unit, this.#intake, this.#measure);
    this.#commands = new Commands(this.#unit, {
      intake: this.#intake,
      power: this.#power,
      actions,
      edits,
      measure: this.#measure,
    });
    this.#power.start();
  }

  get state(): Readonly<SimState> {
    return this.#unit.state;
  }

  get received(): readonly ReceivedByte[] {
    return this.#received;
  }

  /** The settings this unit has, with their rings for its voltage version. */
  get settings(): readonly SimSetting[] {
    return this.#unit.settings;
  }

  on(event: "data", listener: DataListener): this {
    if (event === "data") this.#unit.out.listen(listener);
    return this;
  }

  off(event: "data", listener: DataListener): this {
    if (event === "data") this.#unit.out.unlisten(listener);
    return this;
  }

  /** Bytes from the host. */
  write(bytes: Uint8Array): void {
    for (const byte of bytes) {
      this.#received.push({ byte, at: this.#unit.clock.now() });
      // Trimmed in batches: a splice per byte at the cap would move the whole log every time.
      if (this.#received.length > RECEIVED_CAP * 1.5)
        this.#received.splice(0, this.#received.length - RECEIVED_CAP);
      if (this.#unit.timers.stopped || !this.#unit.state.alive || this.#intake.muted) continue;
      const frame = this.#intake.feed(byte);
      if (frame !== null) this.#commands.run(frame);
    }
  }

  /** One control line (see `help`); returns a one-line answer, `error: …` for a bad line. */
  control(line: string): string {
    return runControl(this, line);
  }

  /** Stops every timer of the unit for good; it sends nothing more. */
  stop(): void {
    this.#unit.timers.stop();
  }

  // ---- control target (used by control.ts) -------------------------------------------------------

  powerFail(cause: string): void {
    this.#power.powerFail(cause);
  }

  powerRestore(): void {
    this.#power.powerRestore();
  }

  setLineVoltage(volts: number): void {
    this.#power.setLineVoltage(volts);
  }

  setCharge(percent: number): void {
    this.#unit.state.charge = percent;
    this.#power.evaluateBattery();
  }

  setLoad(percent: number): void {
    this.#unit.state.load = percent;
    this.#power.evaluateBattery();
  }

  setInternalTemp(celsius: number): void {
    this.#unit.state.internalTemp = celsius;
  }

  setAmbient(celsius: number, humidity: number | null): void {
    this.#unit.state.ambientTemp = celsius;
    if (humidity !== null) this.#unit.state.humidity = humidity;
    this.#measure.evaluate();
  }

  setHumidity(percent: number): void {
    this.#unit.state.humidity = percent;
    this.#measure.evaluate();
  }

  setContact(index: number, closed: boolean): void {
    const s = this.#unit.state;
    const bit = 1 << (index - 1);
    s.contacts = closed ? s.contacts | bit : s.contacts & ~bit;
    this.#measure.evaluate();
  }

  setDip(value: number): void {
    this.#unit.state.dip = value & 0x0f;
  }

  /** Sets fault bits of `8` or `'`; changes are announced by `?` / `=` (PROTOCOL-NOTES "Registers"). */
  setRegister(name: "8" | "'", value: number): void {
    const s = this.#unit.state;
    if (name === "8") s.tripFaults = value & 0xe6;
    else s.trip1 = value & 0xff;
    this.#power.setAbnormal("register", s.tripFaults !== 0 || s.trip1 !== 0);
  }

  startSelfTest(): void {
    this.#actions.panelSelfTest();
  }

  sendAlert(byte: number): boolean {
    const char = String.fromCharCode(byte);
    if (!this.profile.alerts.includes(char)) return false;
    this.#unit.out.alert(char);
    return true;
  }

  pressOnButton(): void {
    const s = this.#unit.state;
    if (s.outputOn || !s.alive) return;
    this.#power.outputOn();
  }

  setFault<K extends keyof SimFaults>(key: K, value: SimFaults[K]): void {
    this.#unit.state.faults[key] = value;
    if (key === "garbage") {
      if (value === true) this.#unit.out.garbageRepeating();
      else this.#unit.timers.cancel("garbage");
    }
  }

  garbageOnce(): void {
    this.#unit.out.garbage();
  }
}
