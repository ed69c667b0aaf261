// The history the bridge keeps of a UPS across restarts (issue 14 item 9): what apcupsd users read
// as NUMXFERS, TONBATT, CUMONBATT, XONBATT, LASTXFER, LASTSTEST and SELFTEST. Not replies of the UPS:
// `src/ups/history.ts` counts them from the readings named here, and the bridge keeps them in a
// state file. Each row says how its key is published and how it shows in Home Assistant.
import { BATTERY_TEST_CODES, TRANSFER_CAUSE_CODES } from "../decoders.js";
import type { Unit } from "../types.js";
import { FEEDBACKS } from "./feedbacks.js";
import type { QueryId } from "./queries.js";
import type { BitId } from "./registers.js";
import { type HaEntity, haSensor } from "./rows.js";
import type { SettingId } from "./settings.js";

/** What the history is counted from. */
export interface HistoryInputs {
  /** The status bit that says on battery: a transfer is this bit turning on. */
  readonly onBattery: BitId;
  /** The status register's query: every reading of it (poll or alert patch) is a tick of the clock. */
  readonly statusQuery: QueryId;
  /** The transfer cause (`G`), read after a transfer began: the cause of that transfer. */
  readonly transferCauseQuery: QueryId;
  /** The cause that says self-test (`S`: a test, or a simulated power failure, as apcupsd counts). */
  readonly testCause: string;
  /** The self-test result (`X`). */
  readonly testResultQuery: QueryId;
  /** What `X` answers when the UPS has no result (after it restarted): the last known one is kept. */
  readonly noResult: string;
}

export const HISTORY_INPUTS = {
  onBattery: "on_battery_mode",
  statusQuery: "ups_status_register",
  transferCauseQuery: "transfer_cause",
  testCause: TRANSFER_CAUSE_CODES.S,
  testResultQuery: "battery_test_result",
  noResult: BATTERY_TEST_CODES.NO,
} as const satisfies HistoryInputs;

/**
 * How a history key is published: `count` a whole number, `duration` whole seconds, `timestamp` an
 * ISO 8601 date and time in UTC (`2026-01-31T08:15:00.000Z`), `enum` one of `values`.
 */
export type HistoryType = "count" | "duration" | "timestamp" | "enum";

export interface HistoryRowShape {
  readonly id: string;
  /** The Home Assistant entity's name (sentence case). */
  readonly label: string;
  /** What the key means, for the topic reference. */
  readonly description: string;
  readonly type: HistoryType;
  readonly unit: Unit | null;
  readonly values: readonly string[] | null;
  /** Home Assistant's state class: `total_increasing` for counters that only grow. */
  readonly stateClass: "measurement" | "total_increasing" | null;
  /** The query the key needs: without it the UPS cannot say, and the key is not published. */
  readonly sourceQuery: QueryId;
  /** apcupsd's `status` field carrying the same (the NIS server prints it). */
  readonly apcupsd: string;
  readonly ha: HaEntity;
}

const enabled = (deviceClass: string | null): HaEntity => haSensor(deviceClass, { enabled: true });

const valuesOf = (id: string): readonly string[] => FEEDBACKS.find((f) => f.id === id)?.values ?? [];

export const HISTORY = [
  {
    id: "transfer_count",
    label: "Transfer count",
    description:
      "transfers to battery counted by the bridge since its state file was created; a self-test counts, as apcupsd counts it",
    type: "count",
    unit: null,
    values: null,
    stateClass: "total_increasing",
    sourceQuery: HISTORY_INPUTS.statusQuery,
    apcupsd: "NUMXFERS",
    ha: enabled(null),
  },
  {
    id: "time_on_battery",
    label: "Time on battery",
    description: "seconds on battery in the current stay; `0` on line",
    type: "duration",
    unit: "seconds",
    values: null,
    stateClass: "measurement",
    sourceQuery: HISTORY_INPUTS.statusQuery,
    apcupsd: "TONBATT",
    ha: enabled("duration"),
  },
  {
    id: "cumulative_time_on_battery",
    label: "Total time on battery",
    description: "seconds on battery in every stay counted, the current one included",
    type: "duration",
    unit: "seconds",
    values: null,
    stateClass: "total_increasing",
    sourceQuery: HISTORY_INPUTS.statusQuery,
    apcupsd: "CUMONBATT",
    ha: enabled("duration"),
  },
  {
    id: "last_transfer_time",
    label: "Last transfer time",
    description: "when the UPS last went on battery",
    type: "timestamp",
    unit: null,
    values: null,
    stateClass: null,
    sourceQuery: HISTORY_INPUTS.statusQuery,
    apcupsd: "XONBATT",
    ha: enabled("timestamp"),
  },
  {
    id: "last_transfer_cause",
    label: "Last transfer cause",
    description: "the cause of that transfer: a `G` reading taken after it began (`null` until one is read)",
    type: "enum",
    unit: null,
    values: valuesOf("transfer_cause_state"),
    stateClass: null,
    sourceQuery: HISTORY_INPUTS.transferCauseQuery,
    apcupsd: "LASTXFER",
    ha: enabled("enum"),
  },
  {
    id: "last_self_test_time",
    label: "Last self-test time",
    description: "when the last transfer whose cause reads `command_test` (a self-test) began",
    type: "timestamp",
    unit: null,
    values: null,
    stateClass: null,
    sourceQuery: HISTORY_INPUTS.transferCauseQuery,
    apcupsd: "LASTSTEST",
    ha: enabled("timestamp"),
  },
  {
    id: "last_self_test_result",
    label: "Last self-test result",
    description:
      "the last self-test result the UPS gave (`X`, read on line), kept when the UPS forgets it (it answers `no_result` after a restart)",
    type: "enum",
    unit: null,
    values: valuesOf("battery_test_state").filter((v) => v !== HISTORY_INPUTS.noResult),
    stateClass: null,
    sourceQuery: HISTORY_INPUTS.testResultQuery,
    apcupsd: "SELFTEST",
    ha: enabled("enum"),
  },
] as const satisfies readonly HistoryRowShape[];

export type HistoryId = (typeof HISTORY)[number]["id"];

export interface HistoryRow extends HistoryRowShape {
  readonly id: HistoryId;
}

/**
 * A second, read-only Home Assistant entity of a key published anyway: the battery replacement
 * date, a `text` entity to set it, is also a `date` sensor (what HA's apcupsd and NUT integrations
 * show), read from the same topic.
 */
export interface SensorViewShape {
  /** The component id (not a key: nothing more is published). */
  readonly id: string;
  readonly label: string;
  readonly key: SettingId;
  readonly ha: HaEntity;
}

export const SENSOR_VIEWS = [
  {
    id: "battery_replaced",
    label: "Battery replaced",
    key: "battery_replacement_date",
    ha: enabled("date"),
  },
] as const satisfies readonly SensorViewShape[];
