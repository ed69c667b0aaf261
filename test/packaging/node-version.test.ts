// Issue 10: a Node.js older than package.json `engines` gets one sentence naming the version it
// needs, from `npm test` (scripts/check-node.mjs runs first) and from the `upslink2mqtt` binary
// (dist/main.js checks before it loads anything that needs a recent Node).
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain JavaScript without types, run before anything is built
import * as script from "../../scripts/check-node.mjs";
import { REQUIRED_NODE, unsupportedNode } from "../../src/node-version.js";
import { MAIN, requireBuild } from "../helpers/processes.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CHECK = join(ROOT, "scripts", "check-node.mjs");
const packageJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const scriptCheck = script as {
  requiredNode(): { text: string };
  unsupportedNode(version: string): string | null;
};

/** Runs `node args` and returns its exit code and what it printed. */
function run(
  node: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(node, args, { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

/** Node binaries on this machine older than the required version (a fresh Debian has one). */
function olderNodes(): string[] {
  const candidates = new Set(
    [...(process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "node")), "/usr/bin/node"].filter(
      (path) => path !== process.execPath,
    ),
  );
  const older: string[] = [];
  for (const path of candidates) {
    try {
      const version = execFileSync(path, ["--version"], { encoding: "utf8", timeout: 10_000 }).trim();
      if (unsupportedNode(version) !== null) older.push(path);
    } catch {
      // not there or not runnable
    }
  }
  return older;
}

/** This Node, made to report an older version before the script runs. */
const FAKE_OLD = [
  "--import",
  `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.11.1"})`,
];

function expectOneSentence(result: { code: number; stdout: string; stderr: string }, version: string): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  const lines = result.stderr.trim().split("\n");
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toContain(`needs Node.js ${REQUIRED_NODE} or newer`);
  expect(lines[0]).toContain(`this is Node.js ${version}`);
}

describe("the required Node.js version", () => {
  it("is package.json engines, in the binary's check and in the test script's", () => {
    expect(packageJson.engines.node).toBe(`>=${REQUIRED_NODE}`);
    expect(scriptCheck.requiredNode().text).toBe(REQUIRED_NODE);
    expect(packageJson.bin.upslink2mqtt).toBe("dist/main.js");
    for (const name of ["test", "test:interop"])
      expect(packageJson.scripts[name], name).toMatch(/^node scripts\/check-node\.mjs && /);
  });

  it("is judged alike by both checks", () => {
    const versions = ["v18.20.0", "20.20.2", "22.11.0", "22.12.0", "22.12.1", "23.0.0", "24.1.0", "30.0.0"];
    const verdicts = versions.map((v) => unsupportedNode(v) === null);
    expect(verdicts).toEqual([false, false, false, true, true, true, true, true]);
    expect(versions.map((v) => scriptCheck.unsupportedNode(v) === null)).toEqual(verdicts);
  });

  it("an older Node gets one sentence from the binary and from npm test's first step, and nothing runs", async (ctx) => {
    requireBuild();
    expectOneSentence(await run(process.execPath, [...FAKE_OLD, MAIN, "--version"]), "v20.11.1");
    expectOneSentence(await run(process.execPath, [...FAKE_OLD, CHECK]), "v20.11.1");
    // A real older Node also has to read both files: that is what a user on Node 20 runs.
    const older = olderNodes();
    for (const node of older) {
      const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
      expectOneSentence(await run(node, [MAIN, "--version"]), version);
      expectOneSentence(await run(node, [CHECK]), version);
    }
    await ctx.annotate(
      older.length > 0
        ? `also checked with ${older.join(", ")}`
        : "no older Node.js on this machine: checked with this one reporting v20.11.1",
    );
  });

  it("the current Node runs the binary and passes the check", async () => {
    requireBuild();
    const version = await run(process.execPath, [MAIN, "--version"]);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await run(process.execPath, [CHECK])).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});
