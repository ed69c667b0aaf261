// Issue 7: the suite fails on any unhandled promise rejection, uncaught exception or listener leak
// (Node's MaxListenersExceededWarning), and says which test was running and where it came from.
// Registered for every test file through `setupFiles` in vitest.config.ts (and the interop config).
//
// Vitest reports unhandled errors on its own, but only as "errors outside of tests" at the end of
// the run and not at all for a leaked listener (Node only prints a warning). Here every problem is
// tied to the test during which it surfaced and fails that test (or the file, when it surfaced
// between tests or during teardown).
import type { EventEmitter } from "node:events";
import { afterAll, afterEach, expect } from "vitest";

export type ProblemKind = "unhandledRejection" | "uncaughtException" | "listenerLeak";

export interface Problem {
  readonly kind: ProblemKind;
  /** The test running when it surfaced (the file when none was). */
  readonly during: string;
  /** What happened, with the stack that shows where. */
  readonly detail: string;
}

export interface ProcessWatch {
  /** Problems seen since the last call, removed from the watch. */
  take(): Problem[];
  /** Removes the listeners it added. */
  dispose(): void;
}

/** Names of process warnings that mean a listener leak. */
const LEAK_WARNINGS: ReadonlySet<string> = new Set(["MaxListenersExceededWarning"]);

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.stack ?? `${reason.name}: ${reason.message}`;
  try {
    return `non-Error value: ${JSON.stringify(reason)}`;
  } catch {
    return `non-Error value: ${String(reason)}`;
  }
}

/**
 * Listens on `target` (the process, or an emitter standing in for it in the guard's own tests) for
 * unhandled rejections, uncaught exceptions and leak warnings. `currentTest` names the test running.
 */
export function watchProcess(target: EventEmitter, currentTest: () => string): ProcessWatch {
  const problems: Problem[] = [];
  const onRejection = (reason: unknown): void => {
    problems.push({ kind: "unhandledRejection", during: currentTest(), detail: describeReason(reason) });
  };
  const onException = (error: unknown): void => {
    problems.push({ kind: "uncaughtException", during: currentTest(), detail: describeReason(error) });
  };
  const onWarning = (warning: Error): void => {
    // The warning is created inside addListener, so its stack shows who added the extra listener.
    if (!LEAK_WARNINGS.has(warning.name)) return;
    problems.push({ kind: "listenerLeak", during: currentTest(), detail: describeReason(warning) });
  };
  target.on("unhandledRejection", onRejection);
  target.on("uncaughtException", onException);
  target.on("warning", onWarning);
  return {
    take: () => problems.splice(0),
    dispose: () => {
      target.off("unhandledRejection", onRejection);
      target.off("uncaughtException", onException);
      target.off("warning", onWarning);
    },
  };
}

/** One error message for a list of problems (empty string when there are none). */
export function formatProblems(problems: readonly Problem[]): string {
  if (problems.length === 0) return "";
  const lines = problems.map((p, i) => `${i + 1}. ${p.kind} during "${p.during}":\n${p.detail}`);
  return `The suite's process guard saw ${problems.length} problem(s) (test/setup/guards.ts):\n${lines.join("\n\n")}`;
}

// Only once per worker, even when a test file imports this module for `watchProcess`.
const INSTALLED = Symbol.for("upslink2mqtt.test.guards");
const registry = globalThis as { [INSTALLED]?: true };

if (registry[INSTALLED] !== true) {
  registry[INSTALLED] = true;
  const currentTest = (): string => {
    const state = expect.getState();
    return state.currentTestName ?? `${state.testPath ?? "this file"} (outside any test)`;
  };
  const watch = watchProcess(process, currentTest);
  const check = async (): Promise<void> => {
    // Rejections are reported after the microtask queue drains; warnings on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    const message = formatProblems(watch.take());
    if (message !== "") throw new Error(message);
  };
  afterEach(check);
  afterAll(check);
}
