// A Smart-UPS as the host sees it over RS-232: bytes in, replies and alerts out, with the unit's
// state changing over time (discharge, charge, self-test, shutdowns). It models the device from the
// seed and PROTOCOL-NOTES, not what any client expects: tests of the bridge, the demo and
// `upslink2mqtt simulate` all talk to it through `write` and the `data` event.
import { formatDump } from "../protocol/dump-format.js";
import { type ControlTarget, runControl } from "./control.js";
import { fullRuntimeMinutes, hex2, NOMINAL, runtimeMinutes } from "./physics.js";
import { PROFILES, type Profile, type ProfileName, supports } from "./profiles.js";
import { answerQuery, inputVolts, minRestartCharge, type QueryContext } from "./queries.js";
import { type SimSetting, settingsFor } from "./settings.js";
import type { OffReason, SimFaults, SimState } from "./state.js";

export interface SimulatorOptions {
  readonly profile: ProfileName | Profile;
  /** Emit bytes at true 2400 baud (about 4.17 ms per character) with realistic reply latency. */
  readonly pacing?: boolean;
  /** Overrides the profile's serial number (`n`). */
  readonly serial?: string;
}

export interface ReceivedByte {
  readonly byte: number;
  readonly at: number;
}

type DataListener = (bytes: Uint8Array) => void;

/** What the unit is in the middle of reading (multi-byte commands). */
type Entry =
  | { readonly kind: "none" }
  | { readonly kind: "at"; readonly digits: string }
  | { readonly kind: "text"; readonly setting: SimSetting; readonly chars: string }
  | { readonly kind: "hex"; readonly setting: SimSetting; readonly chars: string };

const CR_LF = "\r\n";
const DEL = 0x7f;
const ESC = 0x1b;
const CTRL_N = 0x0e;
const CTRL_Z = 0x1a;
/** 10 bits per character at 2400 bit/s. */
export const CHAR_MS = 10_000 / 2400;
/** Seed: the two presses of K, Z and Ctrl-N must be more than 1.5 s apart. */
export const TWO_PRESS_GAP_MS = 1500;
/** Seed: `!` repeats every 30 s during an outage until low battery. */
export const LINE_FAIL_REPEAT_MS = 30_000;
/** Seed: `#` repeats every 5 h until a test passes. */
export const REPLACE_REPEAT_MS = 5 * 3600_000;
/** Seed: `&` every 2 min while a Measure-UPS alarm exists. */
export const MEASURE_REPEAT_MS = 2 * 60_000;
/** PROTOCOL-NOTES: `|` about 5 s after an EEPROM edit. */
export const EEPROM_ALERT_MS = 5000;
/** Seed: the battery test runs about 8 s. */
export const SELF_TEST_MS = 8000;
/** `U`: a brief transfer to battery. */
export const SIMULATED_FAILURE_MS = 3000;
export const TICK_MS = 1000;
/** Hours for a full recharge. */
const RECHARGE_HOURS = 3;
/** Seed: calibration discharges to below 25 % (35 % on Matrix-UPS). */
const CALIBRATION_END = { matrix: 35, other: 25 } as const;
/** Cap on `received`, so a long `simulate` run does not grow without bound. */
const RECEIVED_CAP = 100_000;

function initialSettings(settings: readonly SimSetting[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const setting of settings) values[setting.id] = setting.factory;
  return values;
}

export class SmartUpsSimulator implements ControlTarget {
  readonly profile: Profile;
  readonly #state: SimState;
  readonly #settings: readonly SimSetting[];
  readonly #settingByByte: ReadonlyMap<number, SimSetting>;
  readonly #listeners = new Set<DataListener>();
  readonly #received: ReceivedByte[] = [];
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #oneShots = new Set<ReturnType<typeof setTimeout>>();
  #tick: ReturnType<typeof setInterval> | null = null;
  #entry: Entry = { kind: "none" };
  /** The setting queried last: `-` edits it (PROTOCOL-NOTES "Commands": a stray `-` edits it). */
  #editContext: SimSetting | null = null;
  #firstPress: { readonly byte: number; readonly at: number } | null = null;
  /** Old units send `*` and process no further commands until the output comes back. */
  #mute = false;
  #lineFailSent = false;
  #lowBatterySent = false;
  #abnormal = new Set<string>();
  #maxLine = 0;
  #minLine = 0;
  /** When the paced output line is free again. */
  #busyUntil = 0;
  #rng = 0x2545f491;
  #stopped = false;

  constructor(options: SimulatorOptions) {
    const base = typeof options.profile === "string" ? PROFILES[options.profile] : options.profile;
    this.profile = options.serial === undefined ? base : { ...base, serial: options.serial };
    this.#settings = settingsFor(this.profile);
    this.#settingByByte = new Map(this.#settings.map((setting) => [setting.byte, setting]));
    const nominal = NOMINAL[this.profile.locale];
    this.#state = {
      profile: this.profile.name,
      alive: true,
      smartMode: false,
      linePresent: true,
      lineVoltage: nominal.volts + (nominal.volts > 200 ? 0.9 : 0.6),
      onBattery: false,
      outputOn: true,
      charge: 100,
      load: 23,
      internalTemp: 31.5,
      lowBattery: false,
      replaceBattery: false,
      calibrating: false,
      selfTestRunning: false,
      simulatingFailure: false,
      lastTestResult: "NO",
      lastTestAt: null,
      transferCause: null,
      pendingShutdown: null,
      sleeping: false,
      wakeAt: null,
      offReason: null,
      bypass: false,
      tripFaults: 0,
      trip1: 0,
      dip: this.profile.dip,
      settings: initialSettings(this.#settings),
      ambientTemp: 24.5,
      humidity: 41.2,
      contacts: 0,
      faults: {
        silent: false,
        garbage: false,
        na: false,
        smToQ: false,
        alertMidReply: null,
        slowMs: 0,
        pacing: options.pacing ?? false,
        badBattery: false,
      },
    };
    this.#maxLine = this.#state.lineVoltage;
    this.#minLine = this.#state.lineVoltage;
    this.#tick = setInterval(() => this.#onTick(), TICK_MS);
    this.#powerOnAlert();
  }

  get state(): Readonly<SimState> {
    return this.#state;
  }

  get received(): readonly ReceivedByte[] {
    return this.#received;
  }

  /** The settings this unit has, with their rings for its voltage version. */
  get settings(): readonly SimSetting[] {
    return this.#settings;
  }

  on(event: "data", listener: DataListener): this {
    if (event === "data") this.#listeners.add(listener);
    return this;
  }

  off(event: "data", listener: DataListener): this {
    if (event === "data") this.#listeners.delete(listener);
    return this;
  }

  /** Bytes from the host. */
  write(bytes: Uint8Array): void {
    for (const byte of bytes) {
      this.#received.push({ byte, at: Date.now() });
      // Trimmed in batches: a splice per byte at the cap would move the whole log every time.
      if (this.#received.length > RECEIVED_CAP * 1.5)
        this.#received.splice(0, this.#received.length - RECEIVED_CAP);
      if (this.#stopped || !this.#state.alive || this.#mute) continue;
      this.#onByte(byte);
    }
  }

  /** One control line (see `help`); returns a one-line answer, `error: …` for a bad line. */
  control(line: string): string {
    return runControl(this, line);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#tick !== null) clearInterval(this.#tick);
    this.#tick = null;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const timer of this.#oneShots) clearTimeout(timer);
    this.#oneShots.clear();
  }

  // ---- control target (used by control.ts) -------------------------------------------------------

  powerFail(cause: string): void {
    const s = this.#state;
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
      this.#outputOff("Z");
      return;
    }
    s.transferCause = cause;
    this.#goOnBattery(true);
  }

  powerRestore(): void {
    const s = this.#state;
    if (s.linePresent) return;
    s.linePresent = true;
    s.lineVoltage = NOMINAL[this.profile.locale].volts + (this.profile.locale === "I" ? 0.9 : 0.6);
    this.#trackLine();
    if (!s.alive) {
      this.#boot();
      return;
    }
    if (s.onBattery) this.#returnToLine();
    if (!s.outputOn) this.#scheduleRestart();
  }

  setLineVoltage(volts: number): void {
    const s = this.#state;
    const upper = this.#numberSetting("upper_transfer_voltage", NOMINAL[this.profile.locale].volts * 1.12);
    const lower = this.#numberSetting("lower_transfer_voltage", NOMINAL[this.profile.locale].volts * 0.86);
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

  setCharge(percent: number): void {
    this.#state.charge = percent;
    this.#evaluateBattery();
  }

  setLoad(percent: number): void {
    this.#state.load = percent;
    this.#evaluateBattery();
  }

  setInternalTemp(celsius: number): void {
    this.#state.internalTemp = celsius;
  }

  setAmbient(celsius: number, humidity: number | null): void {
    this.#state.ambientTemp = celsius;
    if (humidity !== null) this.#state.humidity = humidity;
    this.#evaluateMeasure();
  }

  setHumidity(percent: number): void {
    this.#state.humidity = percent;
    this.#evaluateMeasure();
  }

  setContact(index: number, closed: boolean): void {
    const bit = 1 << (index - 1);
    this.#state.contacts = closed ? this.#state.contacts | bit : this.#state.contacts & ~bit;
    this.#evaluateMeasure();
  }

  setDip(value: number): void {
    this.#state.dip = value & 0x0f;
  }

  /** Sets fault bits of `8` or `'`; changes are announced by `?` / `=` (PROTOCOL-NOTES "Registers"). */
  setRegister(name: "8" | "'", value: number): void {
    const s = this.#state;
    if (name === "8") s.tripFaults = value & 0xe6;
    else s.trip1 = value & 0xff;
    this.#setAbnormal("register", s.tripFaults !== 0 || s.trip1 !== 0);
  }

  pressOnButton(): void {
    const s = this.#state;
    if (s.outputOn || !s.alive) return;
    this.#outputOn();
  }

  setFault<K extends keyof SimFaults>(key: K, value: SimFaults[K]): void {
    this.#state.faults[key] = value;
    if (key === "garbage") {
      if (value === true) this.#garbageBurst();
      else this.#cancel("garbage");
    }
  }

  garbageOnce(): void {
    this.#emitRaw(this.#randomBytes());
  }

  // ---- byte handling ----------------------------------------------------------------------------

  #onByte(byte: number): void {
    const s = this.#state;
    if (s.faults.silent) return;
    if (!s.smartMode) {
      // Seed §3.0: until `Y`, the unit is in simple signalling and ignores everything else.
      if (byte === 0x59) {
        s.smartMode = true;
        this.#reply("SM");
      }
      return;
    }
    if (this.#continueEntry(byte)) return;
    // Any other byte between the two presses cancels a two-press command (seed "Timing").
    if (this.#firstPress !== null && this.#firstPress.byte !== byte) this.#firstPress = null;
    if (byte === ESC) {
      // PROTOCOL-NOTES: ESC clears a half-typed command.
      this.#editContext = null;
      this.#firstPress = null;
      return;
    }
    const editContext = this.#editContext;
    this.#editContext = null;
    if (s.faults.na && byte !== 0x59) {
      this.#reply("NA");
      return;
    }
    this.#command(byte, editContext);
  }

  /** Feeds a byte to a multi-byte command in progress; false when the byte is a command of its own. */
  #continueEntry(byte: number): boolean {
    const entry = this.#entry;
    switch (entry.kind) {
      case "none":
        return false;
      case "at": {
        if (byte >= 0x30 && byte <= 0x39) {
          const digits = entry.digits + String.fromCharCode(byte);
          if (digits.length < 3) this.#entry = { kind: "at", digits };
          else {
            this.#entry = { kind: "none" };
            this.#startDelayedWake(Number.parseInt(digits, 10));
          }
          return true;
        }
        // Seed: the unit ignores `@` followed by a non-digit (the command must be retried); the
        // byte itself is then an ordinary command.
        this.#entry = { kind: "none" };
        return false;
      }
      case "text": {
        if (byte === ESC) {
          this.#entry = { kind: "none" };
          return true;
        }
        // A carriage return pads the value like a space (NUT's apcsmart pads with CR).
        const char = byte === 0x0d ? " " : String.fromCharCode(byte);
        const chars = entry.chars + char;
        if (chars.length < 8) {
          this.#entry = { ...entry, chars };
          return true;
        }
        this.#entry = { kind: "none" };
        // Seed: `-` is not allowed inside c and x; printable ASCII only.
        if (chars.includes("-") || !/^[\x20-\x7e]{8}$/.test(chars)) {
          this.#reply("NO");
          return true;
        }
        this.#state.settings[entry.setting.id] = chars;
        this.#eepromChanged();
        this.#reply("OK");
        return true;
      }
      case "hex": {
        if (byte === ESC) {
          this.#entry = { kind: "none" };
          return true;
        }
        const char = String.fromCharCode(byte).toUpperCase();
        // Seed: the Measure-UPS ignores invalid hex.
        if (!/^[0-9A-F]$/.test(char)) return true;
        const chars = entry.chars + char;
        if (chars.length < 2) {
          this.#entry = { ...entry, chars };
          return true;
        }
        this.#entry = { kind: "none" };
        this.#state.settings[entry.setting.id] = chars;
        this.#eepromChanged();
        this.#evaluateMeasure();
        this.#reply("OK");
        return true;
      }
    }
  }

  #command(byte: number, editContext: SimSetting | null): void {
    const s = this.#state;
    const char = String.fromCharCode(byte);
    if (char === "Y") {
      this.#reply("SM");
      return;
    }
    if (!supports(this.profile, byte)) {
      this.#unsupported();
      return;
    }
    // Seed (`S`) and PROTOCOL-NOTES: after S or D answer OK, these answer NA.
    if ((s.pendingShutdown === "S" || s.calibrating) && "KUWZ@-".includes(char)) {
      this.#reply("NA");
      return;
    }
    if (byte === 0x4b || byte === 0x5a || byte === CTRL_N) {
      this.#press(byte);
      return;
    }
    switch (char) {
      case "A":
        this.#reply("OK");
        return;
      case "S":
        this.#shutdownOnBattery();
        return;
      case "U":
        this.#simulatePowerFailure();
        return;
      case "W":
        this.#selfTest();
        return;
      case "D":
        this.#calibration();
        return;
      case "@":
        // PROTOCOL-NOTES: after `@` the unit waits for the digits; nothing is answered yet.
        this.#entry = { kind: "at", digits: "" };
        return;
      case "R":
        this.#reply("BYE");
        this.#leaveSmartMode();
        return;
      case "^":
        this.#bypassToggle();
        return;
      case "z":
        this.#resetEeprom();
        return;
      case "-":
        this.#edit(editContext);
        return;
      case "a":
        this.#replyBytes(this.#commandSet(), 700, false);
        return;
      case "J":
        this.#reply(hex2(this.#measureAlarms()));
        return;
      default:
        break;
    }
    if (byte === DEL) {
      this.#abort();
      return;
    }
    if (byte === CTRL_Z) {
      this.#replyBytes(this.#dump(), 2000, false);
      return;
    }
    const setting = this.#settingByByte.get(byte);
    if (setting !== undefined) {
      if (this.profile.refusedSettings.includes(char)) {
        this.#reply("NO");
        return;
      }
      this.#editContext = setting;
      this.#reply(s.settings[setting.id] ?? setting.factory);
      return;
    }
    if (char === "Q" && s.faults.smToQ) {
      this.#reply("SM");
      return;
    }
    const answer = answerQuery(byte, this.#queryContext());
    if (answer === null) {
      this.#unsupported();
      return;
    }
    if (char === "M" || char === "N") {
      // PROTOCOL-NOTES: M and N reset on every read.
      const now = inputVolts(s);
      if (char === "M") this.#maxLine = now;
      else this.#minLine = now;
    }
    this.#reply(answer);
  }

  #unsupported(): void {
    if (this.profile.unsupported === "NA") this.#reply("NA");
  }

  #queryContext(): QueryContext {
    const outputSetting = this.#numberSetting("output_voltage_setting", NOMINAL[this.profile.locale].volts);
    return {
      profile: this.profile,
      state: this.#state,
      now: Date.now(),
      outputSetting,
      maxLine: this.#maxLine,
      minLine: this.#minLine,
    };
  }

  // ---- two-press commands -----------------------------------------------------------------------

  #press(byte: number): void {
    const now = Date.now();
    const first = this.#firstPress;
    if (first === null || first.byte !== byte || now - first.at <= TWO_PRESS_GAP_MS) {
      // First press, or a second one too soon: the window starts again (seed "Timing").
      this.#firstPress = { byte, at: now };
      return;
    }
    this.#firstPress = null;
    if (byte === CTRL_N) {
      this.#turnOnCommand();
      return;
    }
    const s = this.#state;
    if (!s.outputOn || s.pendingShutdown !== null) {
      this.#reply("NA");
      return;
    }
    if (byte === 0x4b) {
      this.#acceptShutdownCommand();
      s.pendingShutdown = "K";
      this.#schedule("shutdown", this.#shutdownDelayMs(), () => {
        s.pendingShutdown = null;
        this.#outputOff("K");
      });
      return;
    }
    this.#acceptShutdownCommand();
    this.#outputOff("Z");
  }

  /** `OK`, or on old units a bare `*` after which they process no further commands (seed). */
  #acceptShutdownCommand(): void {
    if (this.profile.starReplies) {
      this.#emitRaw(Buffer.from("*", "latin1"));
      this.#mute = true;
      return;
    }
    this.#reply("OK");
  }

  #turnOnCommand(): void {
    const s = this.#state;
    if (s.outputOn) {
      this.#reply("NO");
      return;
    }
    this.#reply("OK");
    this.#outputOn();
  }

  // ---- actions ----------------------------------------------------------------------------------

  #shutdownOnBattery(): void {
    const s = this.#state;
    // Seed: only honoured while on battery; a self-test or `U` is not an outage.
    if (!s.onBattery || !s.outputOn || s.linePresent || s.pendingShutdown !== null) {
      this.#reply("NA");
      return;
    }
    this.#reply("OK");
    s.pendingShutdown = "S";
    this.#schedule("shutdown", this.#shutdownDelayMs(), () => {
      s.pendingShutdown = null;
      this.#outputOff("S");
    });
  }

  #simulatePowerFailure(): void {
    const s = this.#state;
    if (!s.linePresent || s.onBattery || !s.outputOn || s.bypass) {
      this.#reply("NA");
      return;
    }
    this.#reply("OK");
    s.simulatingFailure = true;
    s.transferCause = "S";
    this.#goOnBattery(true);
    this.#schedule("simulated-failure", SIMULATED_FAILURE_MS, () => {
      s.simulatingFailure = false;
      if (s.linePresent && s.onBattery) this.#returnToLine();
    });
  }

  #selfTest(): void {
    const s = this.#state;
    if (!s.linePresent || s.onBattery || !s.outputOn || s.bypass) {
      this.#reply("NA");
      return;
    }
    this.#reply("OK");
    s.selfTestRunning = true;
    s.transferCause = "S";
    // PROTOCOL-NOTES: bit 3 changes during a self-test, and `G` = S tells it from an outage.
    this.#goOnBattery(false);
    this.#schedule("self-test", SELF_TEST_MS, () => {
      s.selfTestRunning = false;
      if (s.linePresent && s.onBattery) this.#returnToLine();
      s.lastTestResult = s.faults.badBattery ? "BT" : s.load > 100 ? "NG" : "OK";
      s.lastTestAt = Date.now();
      if (s.lastTestResult === "BT") this.#replaceBatteryAlert();
      if (s.lastTestResult === "OK" && s.replaceBattery) {
        s.replaceBattery = false;
        this.#cancel("replace-battery");
      }
    });
  }

  #calibration(): void {
    const s = this.#state;
    if (s.calibrating) {
      // Seed: a second D aborts the calibration.
      this.#endCalibration();
      this.#reply("OK");
      return;
    }
    if (!s.linePresent || s.onBattery || !s.outputOn || s.charge < 100) {
      this.#reply("NO");
      return;
    }
    this.#reply("OK");
    s.calibrating = true;
    s.transferCause = "S";
    this.#goOnBattery(false);
  }

  #endCalibration(): void {
    const s = this.#state;
    s.calibrating = false;
    if (s.linePresent && s.onBattery) this.#returnToLine();
  }

  #startDelayedWake(tenths: number): void {
    const s = this.#state;
    if (!s.outputOn || s.pendingShutdown !== null) {
      this.#reply("NA");
      return;
    }
    this.#acceptShutdownCommand();
    s.pendingShutdown = "@";
    this.#schedule("shutdown", this.#shutdownDelayMs(), () => {
      s.pendingShutdown = null;
      s.sleeping = true;
      // Seed: the load comes back after ddd tenths of an hour plus the turn-on delay.
      s.wakeAt = Date.now() + tenths * 360_000;
      this.#outputOff("@");
    });
  }

  #abort(): void {
    const s = this.#state;
    if (s.pendingShutdown !== null) {
      this.#cancel("shutdown");
      s.pendingShutdown = null;
      this.#reply("OK");
      return;
    }
    if (s.sleeping && s.linePresent) {
      this.#reply("OK");
      this.#outputOn();
      return;
    }
    this.#reply("NO");
  }

  #bypassToggle(): void {
    const s = this.#state;
    if (!s.outputOn || !s.linePresent || s.onBattery) {
      this.#reply("ERR");
      return;
    }
    s.bypass = !s.bypass;
    this.#reply(s.bypass ? "BYP" : "INV");
  }

  #resetEeprom(): void {
    const s = this.#state;
    for (const setting of this.#settings) {
      // Seed: z restores every customizing value except c and x.
      if (setting.entry === "text") continue;
      s.settings[setting.id] = setting.factory;
    }
    this.#ringPositions.clear();
    this.#eepromChanged();
    this.#reply("CLEAR");
  }

  #edit(setting: SimSetting | null): void {
    const s = this.#state;
    if (setting === null) {
      this.#reply("NA");
      return;
    }
    // PROTOCOL-NOTES: while any DIP switch is on, edits answer NO.
    if (s.dip !== 0) {
      this.#reply("NO");
      return;
    }
    if (setting.entry === "text") {
      this.#entry = { kind: "text", setting, chars: "" };
      return;
    }
    if (setting.entry === "hex") {
      this.#entry = { kind: "hex", setting, chars: "" };
      return;
    }
    const current = s.settings[setting.id] ?? setting.factory;
    const index = this.#ringIndex(setting, current);
    const next = setting.ring[(index + 1) % setting.ring.length] ?? setting.factory;
    s.settings[setting.id] = next;
    this.#ringPositions.set(setting.id, (index + 1) % setting.ring.length);
    // The edit context stays, so a client can step the ring again after reading it back.
    this.#editContext = setting;
    this.#eepromChanged();
    this.#reply("OK");
  }

  /** Position in the ring; rings can repeat a value (`H M L L`), so the last step is remembered. */
  readonly #ringPositions = new Map<string, number>();

  #ringIndex(setting: SimSetting, current: string): number {
    const remembered = this.#ringPositions.get(setting.id);
    if (remembered !== undefined && setting.ring[remembered] === current) return remembered;
    const found = setting.ring.indexOf(current);
    return found < 0 ? -1 : found;
  }

  #eepromChanged(): void {
    this.#schedule("eeprom", EEPROM_ALERT_MS, () => this.#alert("|"));
  }

  // ---- power flow -------------------------------------------------------------------------------

  #goOnBattery(announce: boolean): void {
    const s = this.#state;
    s.onBattery = true;
    if (announce) {
      this.#lineFailSent = true;
      this.#alert("!");
      this.#scheduleLineFailRepeat();
    }
    this.#evaluateBattery();
  }

  #scheduleLineFailRepeat(): void {
    this.#schedule("line-fail-repeat", LINE_FAIL_REPEAT_MS, () => {
      const s = this.#state;
      if (!s.onBattery || s.lowBattery || !s.alive) return;
      this.#alert("!");
      this.#scheduleLineFailRepeat();
    });
  }

  #returnToLine(): void {
    const s = this.#state;
    s.onBattery = false;
    this.#cancel("line-fail-repeat");
    if (this.#lineFailSent) {
      // Seed: `$` only if `!` was sent first.
      this.#lineFailSent = false;
      this.#alert("$");
    }
    this.#evaluateBattery();
  }

  /** A real outage ends any command-induced transfer (self-test, U, calibration). */
  #endCommandTransfer(): void {
    const s = this.#state;
    if (s.selfTestRunning) {
      this.#cancel("self-test");
      s.selfTestRunning = false;
    }
    if (s.simulatingFailure) {
      this.#cancel("simulated-failure");
      s.simulatingFailure = false;
    }
    s.calibrating = false;
    if (s.onBattery && !this.#lineFailSent) s.onBattery = false;
  }

  #outputOff(reason: Exclude<OffReason, null>): void {
    const s = this.#state;
    s.outputOn = false;
    s.offReason = reason;
    s.onBattery = false;
    s.calibrating = false;
    this.#cancel("line-fail-repeat");
    if (reason === "low_battery") this.#setAbnormal("low_battery_shutdown", true);
    if (!s.linePresent) {
      this.#die();
      return;
    }
    if (reason === "S" || reason === "@" || reason === "low_battery") this.#scheduleRestart();
  }

  #outputOn(): void {
    const s = this.#state;
    this.#cancel("restart");
    s.outputOn = true;
    s.offReason = null;
    s.sleeping = false;
    s.wakeAt = null;
    s.onBattery = !s.linePresent;
    this.#mute = false;
    this.#setAbnormal("low_battery_shutdown", false);
    this.#evaluateBattery();
  }

  /** After S, @ddd or a low-battery shutdown: back on when line is present, after the wake time and turn-on delay. */
  #scheduleRestart(): void {
    const s = this.#state;
    if (!s.linePresent || s.offReason === "K" || s.offReason === "Z") return;
    const wakeIn = s.sleeping && s.wakeAt !== null ? Math.max(0, s.wakeAt - Date.now()) : 0;
    const turnOnDelay = this.#numberSetting("turn_on_delay", 0) * 1000;
    this.#schedule("restart", wakeIn + turnOnDelay, () => {
      if (!s.linePresent) return;
      if (s.charge < minRestartCharge(s)) {
        // Seed `e`: wait until the battery holds the minimum capacity to restart.
        this.#schedule("restart", 60_000, () => this.#scheduleRestart());
        return;
      }
      this.#outputOn();
    });
  }

  /** Output off with no utility: the microcontroller loses power and the unit goes quiet. */
  #die(): void {
    const s = this.#state;
    s.alive = false;
    s.smartMode = false;
    s.onBattery = false;
    this.#entry = { kind: "none" };
    this.#editContext = null;
    this.#firstPress = null;
    this.#mute = false;
    // The microcontroller forgets what it announced: no `=` follows the power-on `?` (seed).
    this.#abnormal.delete("low_battery_shutdown");
    for (const name of ["line-fail-repeat", "measure", "replace-battery", "eeprom", "self-test"])
      this.#cancel(name);
  }

  /** Utility returns to a dead unit: it starts in simple signalling and sends `?` (PROTOCOL-NOTES). */
  #boot(): void {
    const s = this.#state;
    s.alive = true;
    s.smartMode = false;
    this.#lineFailSent = false;
    this.#powerOnAlert();
    this.#scheduleRestart();
  }

  #powerOnAlert(): void {
    // Emitted a moment after power-on so a listener attached right after construction sees it.
    this.#schedule("power-on", 100, () => this.#alert("?", true));
  }

  #leaveSmartMode(): void {
    this.#state.smartMode = false;
    this.#entry = { kind: "none" };
    this.#editContext = null;
    this.#firstPress = null;
  }

  // ---- time -------------------------------------------------------------------------------------

  #onTick(): void {
    const s = this.#state;
    const seconds = TICK_MS / 1000;
    if (s.outputOn && s.onBattery) {
      const perMinute = 100 / fullRuntimeMinutes(this.profile, Math.max(s.load, 1));
      s.charge = Math.max(0, s.charge - (perMinute * seconds) / 60);
      const calibrationEnd =
        this.profile.family === "matrix_ups" ? CALIBRATION_END.matrix : CALIBRATION_END.other;
      if (s.calibrating && s.charge < calibrationEnd) this.#endCalibration();
    } else if (s.linePresent && s.charge < 100) {
      s.charge = Math.min(100, s.charge + (100 * seconds) / (RECHARGE_HOURS * 3600));
    }
    this.#trackLine();
    this.#evaluateBattery();
  }

  #trackLine(): void {
    const volts = inputVolts(this.#state);
    this.#maxLine = Math.max(this.#maxLine, volts);
    this.#minLine = Math.min(this.#minLine, volts);
  }

  #evaluateBattery(): void {
    const s = this.#state;
    const q = this.#numberSetting("low_battery_warning", 2);
    const runtime = runtimeMinutes(this.profile, s.charge, s.outputOn ? s.load : 0);
    const low = s.charge <= 0 || (runtime !== null && runtime <= q);
    if (low && !s.lowBattery) {
      s.lowBattery = true;
      this.#lowBatterySent = true;
      this.#cancel("line-fail-repeat");
      this.#alert("%");
    } else if (!low && s.lowBattery) {
      s.lowBattery = false;
      if (this.#lowBatterySent) {
        this.#lowBatterySent = false;
        this.#alert("+");
      }
    }
    if (s.outputOn && s.onBattery && s.charge <= 0) this.#outputOff("low_battery");
    this.#evaluateMeasure();
  }

  #replaceBatteryAlert(): void {
    this.#state.replaceBattery = true;
    this.#alert("#");
    this.#schedule("replace-battery", REPLACE_REPEAT_MS, () => {
      if (this.#state.replaceBattery) this.#replaceBatteryAlert();
    });
  }

  #setAbnormal(reason: string, active: boolean): void {
    const had = this.#abnormal.size > 0;
    if (active) {
      if (this.#abnormal.has(reason)) return;
      this.#abnormal.add(reason);
      this.#alert("?");
      return;
    }
    if (!this.#abnormal.delete(reason)) return;
    // Seed: `=` only after a `?` for an abnormal condition, when the last one clears.
    if (had && this.#abnormal.size === 0) this.#alert("=");
  }

  // ---- Measure-UPS ------------------------------------------------------------------------------

  #measureAlarms(): number {
    const s = this.#state;
    let value = 0;
    const upperTemp = this.#numberSetting("upper_temp_alarm_limit", Number.POSITIVE_INFINITY);
    const lowerTemp = this.#numberSetting("lower_temp_alarm_limit", Number.NEGATIVE_INFINITY);
    const upperRh = this.#numberSetting("upper_rh_alarm_limit", Number.POSITIVE_INFINITY);
    const lowerRh = this.#numberSetting("lower_rh_alarm_limit", Number.NEGATIVE_INFINITY);
    if (s.ambientTemp > upperTemp) value |= 0x80;
    if (s.ambientTemp < lowerTemp) value |= 0x40;
    if (s.humidity > upperRh) value |= 0x20;
    if (s.humidity < lowerRh) value |= 0x10;
    // Contacts are normally open here: a closed contact disagrees with its DIP switch.
    value |= s.contacts & 0x0f;
    return value;
  }

  #evaluateMeasure(): void {
    if (!this.profile.measureUps) return;
    const enabled = Number.parseInt(this.#state.settings.alarm_enable ?? "FF", 16);
    const active = (this.#measureAlarms() & (Number.isFinite(enabled) ? enabled : 0xff)) !== 0;
    if (active && !this.#timers.has("measure")) {
      this.#alert("&");
      this.#repeatMeasureAlarm();
    } else if (!active) {
      this.#cancel("measure");
    }
  }

  #repeatMeasureAlarm(): void {
    this.#schedule("measure", MEASURE_REPEAT_MS, () => {
      this.#alert("&");
      this.#repeatMeasureAlarm();
    });
  }

  // ---- replies and alerts -------------------------------------------------------------------------

  #commandSet(): Uint8Array {
    const level = this.profile.protocolLevel ?? 3;
    const bytes = [...Buffer.from(`${level}.${this.profile.alerts}.${this.profile.commands}`, "latin1")];
    if (this.profile.extensions.length > 0) bytes.push(0x2e, ...this.profile.extensions);
    return Uint8Array.from(bytes);
  }

  #dump(): Uint8Array {
    const items = this.#settings
      .filter(
        (setting) =>
          setting.inDump && !this.profile.refusedSettings.includes(String.fromCharCode(setting.byte)),
      )
      .flatMap((setting) => setting.dumpItems);
    return Buffer.from(formatDump(items, { matrix: this.profile.matrixDump }), "latin1");
  }

  #reply(text: string, latencyMs = 80): void {
    this.#replyBytes(Buffer.from(text, "latin1"), latencyMs, true);
  }

  /** A reply: the text, then CR LF; `line` replies may carry an injected alert (fault switch). */
  #replyBytes(text: Uint8Array, latencyMs: number, line: boolean): void {
    const bytes = [...text];
    const inject = this.#state.faults.alertMidReply;
    if (line && inject !== null && bytes.length >= 2) bytes.splice(1, 0, inject.charCodeAt(0));
    bytes.push(...Buffer.from(CR_LF, "latin1"));
    // PROTOCOL-NOTES "Wire" gives the whole exchange (`a` about 0.7 s, Ctrl-Z about 2 s), so the
    // transmission time comes out of the latency.
    this.#emit(Uint8Array.from(bytes), Math.max(30, latencyMs - bytes.length * CHAR_MS));
  }

  #alert(char: string, powerOn = false): void {
    const s = this.#state;
    if (!s.alive || this.#stopped) return;
    if (!powerOn && !s.smartMode) return;
    if (!this.profile.alerts.includes(char)) return;
    this.#emit(Buffer.from(char, "latin1"), 0);
  }

  #emit(bytes: Uint8Array, latencyMs: number): void {
    const faults = this.#state.faults;
    if (faults.silent) return;
    const delay = faults.slowMs + (faults.pacing ? latencyMs : 0);
    if (!faults.pacing) {
      if (delay <= 0) this.#emitRaw(bytes);
      else this.#oneShot(delay, () => this.#emitRaw(bytes));
      return;
    }
    // True 2400 baud: one character per 4.17 ms. Replies queue behind each other; an alert is sent
    // as soon as the line allows, so it can land inside a reply as on a real unit.
    const now = Date.now();
    let at = latencyMs === 0 ? now : Math.max(now + delay, this.#busyUntil);
    for (const byte of bytes) {
      const sendAt = at;
      this.#oneShot(sendAt - now, () => this.#emitRaw(Uint8Array.of(byte)));
      at += CHAR_MS;
    }
    if (latencyMs !== 0) this.#busyUntil = at;
  }

  #emitRaw(bytes: Uint8Array): void {
    if (this.#stopped) return;
    for (const listener of [...this.#listeners]) listener(bytes);
  }

  #garbageBurst(): void {
    this.#emitRaw(this.#randomBytes());
    this.#schedule("garbage", 5000, () => this.#garbageBurst());
  }

  #randomBytes(): Uint8Array {
    const length = 8 + (this.#random() % 25);
    return Uint8Array.from({ length }, () => this.#random() & 0xff);
  }

  /** xorshift32: reproducible noise. */
  #random(): number {
    let x = this.#rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#rng = x >>> 0;
    return this.#rng;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  #numberSetting(id: string, fallback: number): number {
    const raw = this.#state.settings[id];
    if (raw === undefined) return fallback;
    const value = Number.parseFloat(raw);
    return Number.isFinite(value) ? value : fallback;
  }

  #shutdownDelayMs(): number {
    return this.#numberSetting("shutdown_delay", 20) * 1000;
  }

  #schedule(name: string, ms: number, fn: () => void): void {
    this.#cancel(name);
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(name);
      fn();
    }, ms);
    this.#timers.set(name, timer);
  }

  #cancel(name: string): void {
    const timer = this.#timers.get(name);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(name);
  }

  #oneShot(ms: number, fn: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#oneShots.delete(timer);
      fn();
    }, ms);
    this.#oneShots.add(timer);
  }
}
