// A simulated APC Smart-UPS speaking UPS-Link: for tests, the demo and `upslink2mqtt simulate`.
export { type Cancel, type Clock, REAL_CLOCK } from "./clock.js";
export { CONTROL_HELP } from "./control.js";
export {
  type Family,
  isProfileName,
  type Locale,
  PROFILE_NAMES,
  PROFILES,
  type Profile,
  type ProfileName,
} from "./profiles.js";
export type { SimSetting } from "./settings.js";
export { type ReceivedByte, type SimulatorOptions, SmartUpsSimulator } from "./simulator.js";
export type { OffReason, PendingShutdown, SimFaults, SimState, TestResult } from "./state.js";
