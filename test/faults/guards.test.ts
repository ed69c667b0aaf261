// The suite's process guard (test/setup/guards.ts) must really fail a run: checked on a stand-in
// emitter, and end to end by running Vitest on a small fixture that leaks a listener and drops a
// rejection.
import { spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatProblems, watchProcess } from "../setup/guards.js";

const ROOT = resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the process guard", () => {
  it("records rejections, exceptions and leak warnings with the test they surfaced in", () => {
    const target = new EventEmitter();
    let test = "first";
    const watch = watchProcess(target, () => test);
    target.emit("unhandledRejection", new Error("dropped promise"));
    test = "second";
    target.emit("uncaughtException", new TypeError("thrown in a timer"));
    const leak = new Error("Possible EventEmitter memory leak detected. 11 data listeners added");
    leak.name = "MaxListenersExceededWarning";
    target.emit("warning", leak);
    const other = new Error("some API is deprecated");
    other.name = "DeprecationWarning";
    target.emit("warning", other);
    const problems = watch.take();
    expect(problems.map((p) => [p.kind, p.during])).toEqual([
      ["unhandledRejection", "first"],
      ["uncaughtException", "second"],
      ["listenerLeak", "second"],
    ]);
    expect(problems[0]?.detail).toContain("dropped promise");
    expect(formatProblems(problems)).toContain('listenerLeak during "second"');
    expect(watch.take()).toEqual([]);
    watch.dispose();
    expect(target.listenerCount("warning")).toBe(0);
  });

  it("fails a Vitest run whose test leaks a listener or drops a rejection, naming the test", () => {
    const dir = mkdtempSync(join(tmpdir(), "upslink-guard-"));
    dirs.push(dir);
    writeFileSync(
      join(dir, "fixture.test.ts"),
      [
        'import { EventEmitter } from "node:events";',
        'it("is clean", () => { expect(1).toBe(1); });',
        'it("leaks a listener", () => {',
        "  const emitter = new EventEmitter();",
        '  for (let i = 0; i < 11; i++) emitter.on("data", () => undefined);',
        "});",
        'it("drops a rejection", async () => {',
        '  void Promise.reject(new Error("guard-fixture-rejection"));',
        "  await new Promise((r) => setTimeout(r, 20));",
        "});",
      ].join("\n"),
    );
    const config = join(dir, "vitest.fixture.config.mjs");
    writeFileSync(
      config,
      `export default { test: { root: ${JSON.stringify(dir)}, include: ["fixture.test.ts"], globals: true, pool: "forks", setupFiles: [${JSON.stringify(join(ROOT, "test/setup/guards.ts"))}] } };\n`,
    );
    const vitest = join(ROOT, "node_modules/vitest/vitest.mjs");
    const run = spawnSync(process.execPath, [vitest, "run", "--config", config], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, CI: "true", NO_COLOR: "1" },
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).not.toBe(0);
    expect(output).toContain('listenerLeak during "leaks a listener"');
    expect(output).toContain('unhandledRejection during "drops a rejection"');
    expect(output).toContain("guard-fixture-rejection");
    // The clean test still passes: the guard blames only where a problem surfaced.
    expect(output).toMatch(/1 passed/);
  });
});
