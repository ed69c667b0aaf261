// Replies to the seed's status, power and Measure-UPS inquiry commands, computed from the state.
// Pure: the simulator decides whether a query is answered at all (smart mode, support, faults).
import { batteryVolts, fmt22, fmt31, fmt32, fmtRuntime, hex2, NOMINAL, runtimeMinutes } from "./physics.js";
import type { Profile } from "./profiles.js";
import { SETTING } from "./settings.js";
import type { SimState } from "./state.js";

/** How long a self-test result stays readable with `X` (seed: "Result saved 5 min"). */
export const TEST_RESULT_MS = 5 * 60_000;

export interface QueryContext {
  readonly profile: Profile;
  readonly state: Readonly<SimState>;
  readonly now: number;
  /** Output voltage setting (`o`) in volts. */
  readonly outputSetting: number;
  /** Highest and lowest line voltage since the last `M` / `N` read. */
  readonly maxLine: number;
  readonly minLine: number;
}

/** `Q` (PROTOCOL-NOTES "Registers"): `00` when the output is off. */
export function statusRegister(ctx: QueryContext): number {
  const { state } = ctx;
  if (!state.outputOn) return 0;
  let q = 0;
  if (state.replaceBattery) q |= 0x80;
  if (state.lowBattery) q |= 0x40;
  if (state.load > 100) q |= 0x20;
  if (state.onBattery) q |= 0x10;
  else q |= 0x08;
  if (!state.onBattery && !state.bypass) {
    const band = lineBand(ctx);
    if (band === "boost") q |= 0x04;
    if (band === "trim") q |= 0x02;
  }
  if (state.calibrating) q |= 0x01;
  return q;
}

/** `~`: 3G units report bits 7 and 6 only; Matrix-UPS also the bypass bits. */
export function stateRegister(ctx: QueryContext): number {
  const { state, profile } = ctx;
  let value = 0;
  const canPower = !state.outputOn && !state.sleeping && state.charge >= minRestartCharge(state);
  if (canPower && state.linePresent) value |= 0x80;
  if (canPower) value |= 0x40;
  if (profile.family === "matrix_ups" && state.bypass) value |= 0x08;
  return value;
}

/** `8`: fault bits from control plus the bits the host's commands set. */
export function tripRegister(ctx: QueryContext): number {
  const { state } = ctx;
  let value = state.tripFaults & 0xe6;
  if (state.offReason === "battery_exhausted") value |= 0x01;
  if (state.offReason === "S") value |= 0x10;
  if (state.sleeping) value |= 0x08;
  return value;
}

export function minRestartCharge(state: Readonly<SimState>): number {
  const raw = state.settings[SETTING.minRestartCapacity];
  const value = raw === undefined ? 0 : Number.parseInt(raw, 10);
  return Number.isFinite(value) ? value : 0;
}

type Band = "normal" | "boost" | "trim";

function lineBand(ctx: QueryContext): Band {
  const nominal = NOMINAL[ctx.profile.locale].volts;
  const volts = ctx.state.lineVoltage;
  if (volts < nominal * 0.92) return "boost";
  if (volts > nominal * 1.04) return "trim";
  return "normal";
}

export function outputVolts(ctx: QueryContext): number {
  const { state } = ctx;
  if (!state.outputOn) return 0;
  if (state.onBattery) return ctx.outputSetting;
  const band = lineBand(ctx);
  if (state.bypass || band === "normal") return state.lineVoltage;
  return band === "boost" ? state.lineVoltage * 1.12 : state.lineVoltage * 0.88;
}

export function inputVolts(state: Readonly<SimState>): number {
  return state.linePresent ? state.lineVoltage : 0;
}

function loadAmps(ctx: QueryContext): number {
  const volts = outputVolts(ctx);
  if (volts <= 0) return 0;
  // Rated VA is about 1.5 × rated watts on these units.
  return (ctx.state.load / 100) * ((ctx.profile.ratedWatts * 1.5) / volts);
}

/** The reply text (without CR LF) to a query byte, or null when it is not a query handled here. */
export function answerQuery(byte: number, ctx: QueryContext): string | null {
  const { state, profile } = ctx;
  const running = state.outputOn ? state.load : 0;
  switch (String.fromCharCode(byte)) {
    case "X":
      if (state.lastTestAt === null || ctx.now - state.lastTestAt > TEST_RESULT_MS) return "NO";
      return state.lastTestResult;
    case ">":
      return profile.batteryPacks === null ? null : String(profile.batteryPacks).padStart(3, "0");
    case "<":
      return profile.batteryPacks === null ? null : "000";
    case "G":
      return state.transferCause ?? profile.transferCauseBeforeFirst;
    case "V":
      return profile.firmwareV;
    case "g":
      return String(profile.batteryVolts).padStart(3, "0");
    case "f":
      return fmt31(state.charge);
    case "9":
      return state.linePresent ? "FF" : "00";
    case "Q":
      return hex2(statusRegister(ctx));
    case "~":
      return hex2(stateRegister(ctx));
    case "'":
      return hex2(state.trip1);
    case "8":
      return hex2(tripRegister(ctx));
    case "7":
      return hex2(state.dip);
    case "n":
      return profile.serial;
    case "m":
      return profile.manufactureDate;
    case "j":
      return fmtRuntime(runtimeMinutes(profile, state.charge, running));
    case "y":
      return "(C) APCC";
    case "b":
      return profile.firmwareB;
    case "\x01":
      return profile.model;
    case "/":
      return fmt22(loadAmps(ctx));
    case "\\":
      // Apparent power runs a little above active power (power factor about 0.9).
      return fmt32(running / 0.9);
    case "B": {
      const volts = batteryVolts(profile, state.charge, state.onBattery && state.outputOn, running);
      // Units with a battery of 100 V or more answer one decimal (an RT 10000 XL: 219.2).
      return volts >= 100 ? fmt31(volts) : fmt22(volts);
    }
    case "C":
      return fmt31(state.internalTemp);
    case "F":
      return fmt22(state.linePresent || state.outputOn ? NOMINAL[profile.locale].hertz : 0);
    case "L":
      return fmt31(inputVolts(state));
    case "M":
      return fmt31(ctx.maxLine);
    case "N":
      return fmt31(ctx.minLine);
    case "O":
      return fmt31(outputVolts(ctx));
    case "P":
      return fmt31(running);
    case "t":
      return fmt22(state.ambientTemp);
    case "h":
      return fmt31(state.humidity);
    case "v":
      return "4Fx";
    case "i":
      return hex2(measureInputs(state));
    default:
      return null;
  }
}

/** Measure-UPS `i`: bits 7–4 contacts 4–1 closed, bits 3–0 DIP 4–1 normally closed (all open here). */
export function measureInputs(state: Readonly<SimState>): number {
  let value = 0;
  for (let contact = 0; contact < 4; contact++) {
    if (state.contacts & (1 << contact)) value |= 1 << (4 + contact);
  }
  return value;
}
