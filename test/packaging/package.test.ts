// What `npm pack` ships and what `npm install` runs: the package's metadata, its files (no source maps
// pointing at an unshipped src/), the licence, and no dependency install script on a clone's install.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUPPORT_URL } from "../../src/version.js";
import { connectClient, startTestBroker, waitForMessage } from "../helpers/broker.js";
import { ensureBuilt, REPO_ROOT, startBridge } from "./bridge-process.js";

interface PackageJson {
  readonly name: string;
  readonly license: string;
  readonly homepage?: string;
  readonly repository?: { readonly type: string; readonly url: string };
  readonly bugs?: { readonly url: string };
  readonly bin: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as PackageJson;

describe("package metadata", () => {
  it("points at the project's repository, the same one the bridge names as its support URL", () => {
    expect(pkg.homepage).toBe(`${SUPPORT_URL}#readme`);
    expect(pkg.repository).toEqual({ type: "git", url: `git+${SUPPORT_URL}.git` });
    expect(pkg.bugs).toEqual({ url: `${SUPPORT_URL}/issues` });
  });

  it("has the MIT licence it declares, as a LICENSE file", () => {
    expect(pkg.license).toBe("MIT");
    const licence = readFileSync(join(REPO_ROOT, "LICENSE"), "utf8");
    expect(licence).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the upslink2mqtt authors\n/);
    expect(licence).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });
});

describe("npm pack", () => {
  let files: string[];

  beforeAll(() => {
    ensureBuilt();
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const [result] = JSON.parse(out) as { files: { path: string }[] }[];
    files = (result?.files ?? []).map((file) => file.path);
  }, 120_000);

  it("ships the command, the schema, the README and the licence", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "LICENSE",
        "README.md",
        "config.schema.json",
        "package.json",
        pkg.bin.upslink2mqtt,
      ]),
    );
  });

  it("ships no source maps and no source, and no shipped file refers to a source map", () => {
    expect(files.filter((file) => file.endsWith(".map"))).toEqual([]);
    expect(files.filter((file) => file.startsWith("src/") || file.startsWith("test/"))).toEqual([]);
    for (const file of files.filter((name) => name.endsWith(".js"))) {
      expect(readFileSync(join(REPO_ROOT, file), "utf8"), file).not.toMatch(/sourceMappingURL/);
    }
  });
});

describe("npm install in a clone", () => {
  it("runs no dependency's install script (the project's .npmrc)", () => {
    const value = execFileSync("npm", ["config", "get", "ignore-scripts"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    expect(value.trim()).toBe("true");
  });

  it("names in .npmrc every package of the lock file that has an install script", () => {
    // A new dependency with an install script must be looked at: does it work without it?
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const npmrc = readFileSync(join(REPO_ROOT, ".npmrc"), "utf8");
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript === true)
      .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(npmrc, name).toContain(name);
  });

  it("keeps testcontainers working without ssh2's and cpu-features' native builds", async () => {
    const { GenericContainer } = await import("testcontainers");
    expect(typeof GenericContainer).toBe("function");
  });
});

describe("the packed tarball, installed as the README says", () => {
  const dir = mkdtempSync(join(tmpdir(), "upslink-tarball-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("installs globally (npm install -g ./upslink2mqtt-<version>.tgz) and runs the bridge", async () => {
    ensureBuilt();
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--pack-destination", dir], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ) as { filename: string }[];
    const tarball = `./${packed[0]?.filename ?? ""}`;
    expect(tarball).toMatch(/^\.\/upslink2mqtt-\d+\.\d+\.\d+\.tgz$/);
    // A prefix of its own instead of the system's: the same command, without root.
    const prefix = join(dir, "prefix");
    execFileSync("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", tarball], {
      cwd: dir,
      stdio: "pipe",
      timeout: 300_000,
    });
    const bin = join(prefix, "bin", "upslink2mqtt");
    expect(execFileSync(bin, ["--help"], { encoding: "utf8" })).toMatch(/^upslink2mqtt: APC Smart-UPS/);

    const broker = await startTestBroker();
    const client = await connectClient(broker.url);
    try {
      const state = waitForMessage(
        client,
        "upslink2mqtt/ups/state",
        (m) => m.payload.includes(`"power_state":"on_line"`),
        30_000,
      );
      state.catch(() => {});
      const installed = join(prefix, "lib", "node_modules", "upslink2mqtt", "dist", "main.js");
      const bridge = startBridge({
        mainJs: installed,
        cwd: dir,
        args: ["run"],
        env: { UPSLINK_UPS_PORT: "sim://smartups-3g-120", UPSLINK_MQTT_URL: broker.url },
      });
      expect(JSON.parse((await state).payload)).toMatchObject({ power_state: "on_line" });
      expect(await bridge.stop("SIGTERM"), bridge.output()).toEqual({ code: 0, signal: null });
    } finally {
      await client.endAsync();
      await broker.stop();
    }
  }, 360_000);
});
