// The one way tests wait for something to become true: poll a condition until it holds. The timeout
// only bounds a failing test (it is never a timed assertion); the error says what was awaited and,
// when given, what the test saw meanwhile.

export interface WaitOptions {
  /** How long before the test fails (default 15 s). */
  readonly timeoutMs?: number;
  /** Pause between checks (default 20 ms). */
  readonly intervalMs?: number;
  /** More for the failure message (logs, the last values seen). */
  readonly context?: () => string;
}

/**
 * Resolves with the first value of `read` that is not `undefined`; fails after the timeout with
 * `what` and the context.
 */
export async function waitForValue<T>(
  what: string,
  read: () => T | undefined | Promise<T | undefined>,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 15_000, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const context = options.context === undefined ? "" : `\n${options.context()}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * Resolves with the first value of `read` that `ok` accepts; the failure shows the last one read.
 */
export async function waitForMatch<T>(
  what: string,
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  options: WaitOptions = {},
): Promise<T> {
  let last: T | undefined;
  return waitForValue(
    what,
    async () => {
      last = await read();
      return ok(last) ? last : undefined;
    },
    { ...options, context: () => `last: ${JSON.stringify(last)}${options.context?.() ?? ""}` },
  );
}

/** Resolves once `condition` holds; fails after the timeout with `what` and the context. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  await waitForValue(what, async () => ((await condition()) ? true : undefined), options);
}

/**
 * A pause that is part of what a test does (a fault that lasts a while, bursts spread over time),
 * never a wait for something to happen: use `waitUntil` for that.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
