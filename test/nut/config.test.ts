// The `nut` configuration group: listen addresses, users from the file only, checks that name the
// user and field but never the password, and redaction.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, redactConfig } from "../../src/config/index.js";

const PORT = { UPSLINK_UPS_PORT: "sim://smartups-3g-120" };

function withFile(nut: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "upslink-nutcfg-"));
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify({ nut }));
  return file;
}

const load = (nut: unknown, env: Record<string, string> = {}) =>
  loadConfig({ argv: ["--config", withFile(nut)], env: { ...PORT, ...env } });

describe("nut configuration", () => {
  it("is off by default", () => {
    const config = loadConfig({ argv: [], env: PORT });
    expect(config.nut).toEqual({
      listen: null,
      certfile: null,
      keyfile: null,
      users: [],
      max_clients: 32,
      idle_timeout_s: 60,
    });
  });

  it("reads host:port, IPv6 in brackets, from the file or UPSLINK_NUT_LISTEN", () => {
    expect(load({ listen: "0.0.0.0:3493" }).nut.listen).toEqual({ host: "0.0.0.0", port: 3493 });
    expect(load({}, { UPSLINK_NUT_LISTEN: "[::]:3493" }).nut.listen).toEqual({ host: "::", port: 3493 });
    for (const bad of ["3493", "host:", "host:99999", "a b:1"]) {
      expect(() => load({ listen: bad }), bad).toThrow(/nut\.listen \(UPSLINK_NUT_LISTEN.*must be host:port/);
    }
  });

  it("reads users with their optional fields filled in", () => {
    const config = load({
      users: [
        { username: "monuser", password: "secret", upsmon: "secondary" },
        { username: "admin", password: "x y", instcmds: ["ALL", "load.off"], actions: ["set", "FSD"] },
      ],
    });
    expect(config.nut.users).toEqual([
      { username: "monuser", password: "secret", upsmon: "secondary", instcmds: [], actions: [] },
      {
        username: "admin",
        password: "x y",
        upsmon: null,
        instcmds: ["ALL", "load.off"],
        actions: ["SET", "FSD"],
      },
    ]);
  });

  it("refuses bad users naming the user and field, never the password", () => {
    const cases: [unknown, RegExp][] = [
      [
        [{ username: "a", password: "pw-1", upsmon: "master" }],
        /user "a": upsmon must be "primary" or "secondary"/,
      ],
      [[{ username: "a", password: "" }], /user "a" needs a password/],
      [[{ username: "a b", password: "pw-1" }], /item 0 needs a username/],
      [[{ username: "a", password: "pw-1", role: "x" }], /item 0 has an unknown field "role"/],
      [
        [
          { username: "a", password: "pw-1" },
          { username: "a", password: "pw-2" },
        ],
        /item 1 repeats the username "a"/,
      ],
      [
        [{ username: "a", password: "pw-1", actions: ["DELETE"] }],
        /user "a": actions must be a list of "SET", "FSD"/,
      ],
      [[{ username: "a", password: "pw-1", instcmds: "ALL" }], /user "a": instcmds must be a list/],
      ["monuser", /must be a list of users in the configuration file/],
    ];
    for (const [users, message] of cases) {
      let error: unknown = null;
      try {
        load({ users });
      } catch (caught) {
        error = caught;
      }
      expect(String(error), JSON.stringify(users)).toMatch(message);
      expect(String(error)).not.toMatch(/pw-1|pw-2/);
    }
  });

  it("takes no users from the environment or a flag", () => {
    expect(() =>
      loadConfig({ argv: [], env: { ...PORT, UPSLINK_NUT_USERS: '[{"username":"a","password":"s3"}]' } }),
    ).toThrow(/UPSLINK_NUT_USERS.*configuration file/);
    expect(() => loadConfig({ argv: ['--nut.users=[{"username":"a","password":"s3"}]'], env: PORT })).toThrow(
      /configuration file/,
    );
  });

  it("wants certfile and keyfile together", () => {
    expect(() => load({ certfile: import.meta.filename })).toThrow(
      /nut\.certfile and nut\.keyfile .* go together/,
    );
  });

  it("never publishes the users", () => {
    const config = load({ users: [{ username: "a", password: "top-secret" }] });
    expect(JSON.stringify(redactConfig(config))).not.toContain("top-secret");
  });
});
