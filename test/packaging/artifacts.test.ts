// What can be checked of the Dockerfile and the systemd unit without a Docker engine or systemd:
// that they name what the project really has (files, commands, variables, exit codes) and keep the
// promises the README makes about them. production.test.ts runs the image's install and health check.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT_USAGE } from "../../src/cli/io.js";
import { CONFIG_FILE_ENV } from "../../src/config/index.js";
import { REPO_ROOT } from "./bridge-process.js";

const read = (path: string) => readFileSync(join(REPO_ROOT, path), "utf8");

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? "";

  it("is multi-stage on Node.js 24", () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24[-\w.]*$/m);
    for (const stage of stages) expect(stage).toMatch(/^\$\{NODE_IMAGE\}/);
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    for (const match of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of (match[1] ?? "").split(/\s+/)) {
        expect(existsSync(join(REPO_ROOT, source)), source).toBe(true);
        expect(ignored.includes(source) || ignored.includes(`**/${source}`), source).toBe(false);
      }
    }
  });

  it("runs as a non-root user in the dialout group, with node as PID 1 in exec form", () => {
    expect(runtime).toMatch(/useradd [^\n]*--gid dialout/);
    const user = /^USER (\S+)$/m.exec(runtime)?.[1] ?? "";
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(user.split(":")[1]).toBe("dialout");
    // Node flags may precede the script (the bin's V8 settings, see src/main.ts).
    expect(runtime).toMatch(/^ENTRYPOINT \["node", (?:"--[\w-]+(?:=[^"]+)?", )*"\/app\/dist\/main\.js"\]$/m);
    expect(runtime).toMatch(/^STOPSIGNAL SIGTERM$/m);
  });

  it("installs production dependencies only in the runtime image", () => {
    expect(runtime).toMatch(/COPY --from=deps \/app\/node_modules/);
    expect(runtime).not.toMatch(/COPY --from=build \S*node_modules/);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev /m);
  });

  it("has a health check that asks the bridge's own health, and sets where the bridge writes it", () => {
    expect(runtime).toMatch(/HEALTHCHECK [^\n]*\\\n\s*CMD \["node", "\/app\/dist\/main\.js", "health"\]/);
    expect(runtime).toMatch(/UPSLINK_HEALTH_FILE=\/tmp\/upslink2mqtt-health\.json/);
  });
});

describe("systemd unit", () => {
  const unit = read("examples/systemd/upslink2mqtt.service");
  const settings = new Map<string, string[]>();
  for (const line of unit.split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match?.[1] !== undefined) settings.set(match[1], [...(settings.get(match[1]) ?? []), match[2] ?? ""]);
  }

  it("is hardened: a dynamic user in the dialout group, serial devices only", () => {
    expect(settings.get("DynamicUser")).toEqual(["yes"]);
    expect(settings.get("SupplementaryGroups")).toEqual(["dialout"]);
    expect(settings.get("DevicePolicy")).toEqual(["closed"]);
    expect(settings.get("NoNewPrivileges")).toEqual(["yes"]);
    expect(settings.get("ProtectSystem")).toEqual(["strict"]);
    expect(settings.get("DeviceAllow")?.some((d) => d.startsWith("char-ttyUSB"))).toBe(true);
  });

  it("reads its configuration through the bridge's variable and does not restart on a configuration error", () => {
    expect(settings.get("Environment")).toContain(`${CONFIG_FILE_ENV}=%d/config.yaml`);
    expect(settings.get("RestartPreventExitStatus")).toEqual([String(EXIT_USAGE)]);
    expect(settings.get("ExecStart")?.[0]).toMatch(/upslink2mqtt run$/);
  });
});
