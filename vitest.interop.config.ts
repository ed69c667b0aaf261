import { defineConfig } from "vitest/config";

// Interoperability: NUT's apcsmart driver and apcupsd against the simulator on a pseudo-terminal, and
// NUT's clients (upsc, upscmd, upsrw, upslog, upsmon, PyNUTClient) against the bridge's NUT server.
export default defineConfig({
  test: {
    include: ["test/interop/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Fails the run on unhandled rejections, uncaught exceptions and listener leaks (issue 7).
    setupFiles: ["test/setup/guards.ts"],
    pool: "forks",
    // Under CI a skipped test fails the run (issue 10).
    reporters: ["default", "./test/setup/no-skips.ts"],
    fileParallelism: false,
  },
});
