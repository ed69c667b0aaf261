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
    // Under CI a skipped test fails the run (issue 10).
    reporters: ["default", "./test/setup/no-skips.ts"],
  },
});
