// `data_dir` (UPSLINK_DATA_DIR): where the history is kept; unset, the per-user state directory.
import { describe, expect, it } from "vitest";
import { defaultDataDir, loadConfig, resolveDataDir } from "../../src/config/index.js";

const PORT = { UPSLINK_UPS_PORT: "sim://smartups-3g-120" };

describe("data_dir", () => {
  it("is read from UPSLINK_DATA_DIR and --data_dir, and is unset by default", () => {
    expect(loadConfig({ argv: [], env: PORT }).data_dir).toBeNull();
    expect(loadConfig({ argv: [], env: { ...PORT, UPSLINK_DATA_DIR: "/var/lib/ups" } }).data_dir).toBe(
      "/var/lib/ups",
    );
    expect(loadConfig({ argv: ["--data_dir=/srv/ups"], env: PORT }).data_dir).toBe("/srv/ups");
  });

  it("defaults to the platform's per-user state directory", () => {
    const linux = { platform: "linux", home: "/home/pat" } as const;
    expect(defaultDataDir({ env: {}, ...linux })).toBe("/home/pat/.local/state/upslink2mqtt");
    expect(defaultDataDir({ env: { HOME: "/home/kim" }, ...linux })).toBe(
      "/home/kim/.local/state/upslink2mqtt",
    );
    expect(defaultDataDir({ env: { XDG_STATE_HOME: "/state" }, ...linux })).toBe("/state/upslink2mqtt");
    // The XDG specification: a relative path is ignored.
    expect(defaultDataDir({ env: { XDG_STATE_HOME: "rel" }, ...linux })).toBe(
      "/home/pat/.local/state/upslink2mqtt",
    );
    expect(defaultDataDir({ env: {}, platform: "darwin", home: "/Users/pat" })).toBe(
      "/Users/pat/Library/Application Support/upslink2mqtt",
    );
    expect(resolveDataDir("/data", { env: { XDG_STATE_HOME: "/state" } })).toBe("/data");
  });
});
