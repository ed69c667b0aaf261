import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// The default suite: unit tests and integration tests against the simulator and a real broker.
// Interoperability with NUT and apcupsd runs separately (`npm run test:interop`).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/interop/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Fails the run on unhandled rejections, uncaught exceptions and listener leaks (issue 7).
    setupFiles: ["test/setup/guards.ts"],
    pool: "forks",
    // Most files spend their time waiting on the wire, the broker and the UPS's own delays (two-press
    // gaps, the `|` after an edit), not on the CPU: Vitest's default of one worker per core less one
    // ran them one after another on two cores. Each file has its own broker, ports and simulators.
    maxWorkers: Math.max(3, availableParallelism() - 1),
    // Under CI a skipped test fails the run (issue 10).
    reporters: ["default", "./test/setup/no-skips.ts"],
  },
});
