// Whether the suite runs under CI (`CI` set, as CI services and .ci/run do). Under CI nothing may be
// skipped (test/setup/no-skips.ts fails the run), so a test that can only run with something the
// machine lacks fails there instead of passing unseen.

/** The same reading of `CI` as Vitest's own (set and not "false" or "0"). */
export function isCi(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value.toLowerCase() !== "false" && value !== "0";
}

export const UNDER_CI = isCi(process.env.CI);
