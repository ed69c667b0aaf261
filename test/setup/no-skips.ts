// Issue 10: a Vitest reporter that fails the run under CI when any test was skipped, and lists them
// with their reasons. Outside CI a test may skip itself when the machine lacks what it needs (an
// MQTT 5 broker, the shared seeds), always saying why (`ctx.skip(condition, reason)`); CI provides
// all of it, so a skip there means a test did not test what its title says.
import type { Reporter, TestModule, Vitest } from "vitest/node";
import { isCi } from "../helpers/ci.js";

export interface SkippedTest {
  readonly file: string;
  readonly name: string;
  readonly reason: string;
}

/** Every skipped or todo test of the run, with the note it gave (or how it was skipped). */
export function skippedTests(modules: readonly TestModule[]): SkippedTest[] {
  const skipped: SkippedTest[] = [];
  for (const module of modules) {
    for (const test of module.children.allTests()) {
      const result = test.result();
      if (result.state !== "skipped") continue;
      const reason =
        result.note ?? (test.options.mode === "todo" ? "todo" : `${test.options.mode} (no reason given)`);
      skipped.push({ file: module.relativeModuleId, name: test.fullName, reason });
    }
  }
  return skipped;
}

/**
 * Lists the skipped tests with their reasons after every run (the default reporter shows only a
 * count), and under CI fails the run when there is any.
 */
export default class SkippedTestsReporter implements Reporter {
  #ci = isCi(process.env.CI);
  #filtered = false;

  onInit(vitest: Vitest): void {
    // A name filter (-t) skips every other test on purpose: nothing to report then.
    if (vitest.config.testNamePattern !== undefined) this.#filtered = true;
  }

  onTestRunEnd(modules: readonly TestModule[]): void {
    if (this.#filtered) return;
    const skipped = skippedTests(modules);
    if (skipped.length === 0) return;
    const lines = skipped.map((s) => `  - ${s.file} > ${s.name}: ${s.reason}`).join("\n");
    if (!this.#ci) {
      process.stdout.write(`\n${skipped.length} test(s) skipped:\n${lines}\n`);
      return;
    }
    process.stderr.write(
      `\nCI=${process.env.CI}: ${skipped.length} test(s) skipped, and nothing may be skipped under CI (test/setup/no-skips.ts):\n${lines}\n`,
    );
    process.exitCode = 1;
  }
}
