// Issue 10: under CI a skipped test fails the run (test/setup/no-skips.ts), naming each skipped test
// and its reason; elsewhere a skip is allowed and listed with its reason. Checked on a fixture with one test that
// runs and two that skip, in a Vitest of its own.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import suite from "../../vitest.config.js";
import interop from "../../vitest.interop.config.js";
import { isCi } from "../helpers/ci.js";

const ROOT = resolve(import.meta.dirname, "../..");
const VITEST = resolve(ROOT, "node_modules/vitest/vitest.mjs");
const CONFIG = resolve(ROOT, "test/fixtures/skip-guard/vitest.config.ts");

function runFixture(ci: string | undefined): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.CI;
  // Vitest marks its worker processes; the fixture's Vitest must not believe it is one of them.
  for (const key of Object.keys(env)) if (key.startsWith("VITEST")) delete env[key];
  if (ci !== undefined) env.CI = ci;
  return new Promise((done) => {
    execFile(
      process.execPath,
      [VITEST, "run", "--config", CONFIG],
      { cwd: ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        done({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe("nothing is skipped under CI", () => {
  it("is a reporter of the suite and of the interop suite", () => {
    for (const config of [suite, interop])
      expect(config.test?.reporters).toContain("./test/setup/no-skips.ts");
  });

  it("reads CI as Vitest does", () => {
    expect([undefined, "", "false", "FALSE", "0"].map(isCi)).toEqual([false, false, false, false, false]);
    expect(["true", "1", "yes"].map(isCi)).toEqual([true, true, true]);
  });

  it("fails a run with skipped tests under CI and lists them with their reasons; passes it elsewhere", async () => {
    const [underCi, elsewhere] = await Promise.all([runFixture("true"), runFixture(undefined)]);
    expect(underCi.output).toContain("1 passed");
    expect(underCi.code, underCi.output).toBe(1);
    expect(underCi.output).toContain("2 test(s) skipped, and nothing may be skipped under CI");
    expect(underCi.output).toContain("skips itself with a reason: needs something this machine lacks");
    expect(underCi.output).toContain("is declared skipped: skip (no reason given)");
    expect(elsewhere.code, elsewhere.output).toBe(0);
    expect(elsewhere.output).not.toContain("nothing may be skipped");
    // The reasons are shown there too (the default reporter shows only a count).
    expect(elsewhere.output).toContain("2 test(s) skipped:");
    expect(elsewhere.output).toContain("skips itself with a reason: needs something this machine lacks");
  });
});
