import { defineConfig } from "vitest/config";

// Interoperability: NUT's apcsmart driver and apcupsd against the simulator on a pseudo-terminal.
export default defineConfig({
  test: {
    include: ["test/interop/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
