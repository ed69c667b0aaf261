// The configuration and topic references are generated from the code; these tests fail when the
// committed docs drift from it, when the generator misses a key, a row or an event, and when the
// README's examples name topics or keys the bridge does not have.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../../src/config/index.js";
import { configurationReference, topicReference } from "../../src/docs/reference.js";
import { parseRequestTopic } from "../../src/mqtt/topics.js";
import {
  ALL_REGISTER_BITS,
  CATALOGUE,
  EVENTS,
  FEEDBACKS,
  findRow,
} from "../../src/protocol/catalogue/index.js";
import { COMPOSITE_ACTIONS } from "../../src/ups/commands.js";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");
const REGENERATE = "regenerate with `npm run build && node scripts/generate-docs.mjs`";

describe("docs/CONFIGURATION.md", () => {
  it("is exactly what the generator produces from the schema", () => {
    expect(read("docs/CONFIGURATION.md"), REGENERATE).toBe(configurationReference());
  });

  it("lists every configuration key with its environment variable and default", () => {
    const text = configurationReference();
    for (const key of CONFIG_KEYS) {
      const line = text.split("\n").find((l) => l.startsWith(`| \`${key.path}\` |`));
      expect(line, key.path).toBeDefined();
      expect(line, key.path).toContain(`\`${key.env}\``);
      if (key.default !== null && typeof key.default !== "object")
        expect(line, key.path).toContain(String(key.default));
    }
  });

  it("keeps table rows intact: a pipe inside a cell is escaped", () => {
    const rows = configurationReference()
      .split("\n")
      .filter((l) => l.startsWith("| `"));
    for (const row of rows) {
      const cells = row.split(/(?<!\\)\|/).length - 2;
      expect(cells, row).toBe(5);
    }
  });
});

describe("docs/TOPICS.md", () => {
  it("is exactly what the generator produces from the catalogue and discovery", () => {
    expect(read("docs/TOPICS.md"), REGENERATE).toBe(topicReference());
  });

  const text = topicReference();
  const mentions = (id: string) => text.includes(`\`${id}\``);

  it("names every action, query and setting of the catalogue, and the composite actions", () => {
    for (const row of CATALOGUE) {
      if (row.kind === "modifier") continue;
      expect(mentions(row.id), row.id).toBe(true);
    }
    for (const action of COMPOSITE_ACTIONS) expect(mentions(action.id), action.id).toBe(true);
  });

  it("names every feedback, status bit and event", () => {
    for (const feedback of FEEDBACKS) expect(mentions(feedback.id), feedback.id).toBe(true);
    for (const bit of ALL_REGISTER_BITS) expect(mentions(bit.id), bit.id).toBe(true);
    for (const event of EVENTS) expect(mentions(event.id), event.id).toBe(true);
    for (const id of [
      "confirmation_requested",
      "confirmation_expired",
      "command_executed",
      "shutdown_recommended",
    ]) {
      expect(mentions(id), id).toBe(true);
    }
  });

  it("marks exactly the catalogue's destructive actions as destructive", () => {
    for (const row of CATALOGUE.filter((r) => r.kind === "action")) {
      const line = text.split("\n").find((l) => l.startsWith(`| \`${row.id}\` |`));
      expect(line, row.id).toBeDefined();
      expect(line?.includes("**yes**"), row.id).toBe(row.destructive);
    }
  });

  it("gives numeric readings their Home Assistant unit and device class", () => {
    const line = (key: string) => text.split("\n").find((l) => l.startsWith(`| \`${key}\` |`)) ?? "";
    expect(line("battery_capacity_percent")).toContain("battery, %");
    expect(line("run_time_remaining_minutes")).toContain("duration, min");
    expect(line("line_voltage_vac")).toContain("voltage, V");
    expect(line("on_battery_mode")).toContain("`binary_sensor`");
  });
});

describe("README", () => {
  const readme = read("README.md");

  it("links the generated references", () => {
    for (const doc of ["docs/CONFIGURATION.md", "docs/TOPICS.md"]) {
      expect(readme).toContain(`](${doc})`);
      expect(existsSync(new URL(doc, root)), doc).toBe(true);
    }
  });

  it("uses only request topics the bridge understands, with real action and setting ids", () => {
    const published = [...readme.matchAll(/mosquitto_pub[^\n]*?-t\s+'([^']+)'/g)].map((m) => m[1] ?? "");
    expect(published.length).toBeGreaterThan(0);
    for (const topic of published) {
      const request = parseRequestTopic("upslink2mqtt", topic);
      expect(request, topic).not.toBeNull();
      if (request?.kind === "command") {
        const known =
          findRow(request.id)?.kind === "action" || COMPOSITE_ACTIONS.some((a) => a.id === request.id);
        expect(known, topic).toBe(true);
      }
      if (request?.kind === "set") expect(findRow(request.id)?.kind, topic).toBe("setting");
    }
  });

  it("names only real environment variables", () => {
    const known = new Set([...CONFIG_KEYS.map((key) => key.env), "UPSLINK_CONFIG", "UPSLINK_HEALTH_FILE"]);
    // `UPSLINK_UPS_*` stands for a family of names.
    const named = [...readme.matchAll(/UPSLINK_[A-Z0-9_]+\*?/g)]
      .map(([name]) => name)
      .filter((name) => !name.endsWith("*"));
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(known.has(name), name).toBe(true);
  });
});
