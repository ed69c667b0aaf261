// `UPSLINK_*` variables that name no configuration key. They are ignored, so a misspelling
// (`UPSLINK_MQTT_URI`) would otherwise go unnoticed while the bridge runs on the default: the
// commands warn about each one, naming the closest known variable when one is close.
import { CONFIG_FILE_ENV, CONFIG_KEYS } from "./schema.js";

const PREFIX = "UPSLINK_";

export interface UnknownVariable {
  readonly name: string;
  /** The known variable it most likely meant, or null when none is close. */
  readonly suggestion: string | null;
}

/** Every variable the configuration reads: one per key, and the configuration file's. */
export const KNOWN_VARIABLES: ReadonlySet<string> = new Set([
  ...CONFIG_KEYS.map((key) => key.env),
  CONFIG_FILE_ENV,
]);

/**
 * Edit distance counting a swap of neighbours as one edit (optimal string alignment), so `POTR`
 * is one edit from `PORT`.
 */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/** At most two edits, or a known name cut short (`UPSLINK_POLL_INTERVAL` → `…_MS`); one best match. */
function closest(name: string): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  let tie = false;
  for (const known of KNOWN_VARIABLES) {
    const distance = known.startsWith(`${name}_`) ? 1 : editDistance(name, known);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance) {
      tie = true;
    }
  }
  return bestDistance <= 2 && !tie ? best : null;
}

/** The `UPSLINK_*` variables in `env` that the configuration does not read, in name order. */
export function unknownVariables(env: Readonly<Record<string, string | undefined>>): UnknownVariable[] {
  return Object.keys(env)
    .filter((name) => name.startsWith(PREFIX) && !KNOWN_VARIABLES.has(name))
    .sort()
    .map((name) => ({ name, suggestion: closest(name) }));
}

/** One sentence per unknown variable, for the log or standard error. */
export function describeUnknownVariable(variable: UnknownVariable): string {
  const hint =
    variable.suggestion === null
      ? "no configuration key has this name (`upslink2mqtt schema` lists them)"
      : `did you mean ${variable.suggestion}?`;
  return `Environment variable ${variable.name} is not a configuration key and is ignored: ${hint}`;
}
