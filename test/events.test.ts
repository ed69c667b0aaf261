// The bridge's own event types are one list (src/events.ts): whatever the source emits on
// `<ups>/event` is in it, and Home Assistant's event entity offers all of it. Guards the drift that
// left `nut_command` and `nut_logout` out of the entity's `event_types`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BRIDGE_EVENT_TYPES } from "../src/events.js";
import { EVENTS } from "../src/protocol/catalogue/index.js";
import { components, discover, discoveryFor } from "./homeassistant/support.js";

const SRC = join(import.meta.dirname, "..", "src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

describe("the bridge's event types", () => {
  it("every event type named in the source is listed (or is a catalogue alert)", () => {
    const known = new Set<string>([...BRIDGE_EVENT_TYPES, ...EVENTS.map((e) => e.id)]);
    const named = new Set<string>();
    for (const file of sources(SRC)) {
      const text = readFileSync(file, "utf8");
      for (const pattern of [
        /event_type:\s*"([a-z_]+)"/g,
        /\.event\(\s*"([a-z_]+)"/g,
        // Shutdown orchestration's steps: event(level, type, ...) in src/shutdown/decide.ts.
        /\bevent\(\s*"(?:info|warn|error)",\s*"([a-z_]+)"/g,
      ])
        for (const match of text.matchAll(pattern)) if (match[1] !== undefined) named.add(match[1]);
    }
    // The scan finds what it guards: the command service's, the NUT server's and the orchestration's.
    for (const id of [
      "confirmation_requested",
      "nut_logout",
      "shutdown_fsd_raised",
      "shutdown_return_failed",
    ])
      expect(named.has(id), id).toBe(true);
    for (const id of named) expect(known.has(id), id).toBe(true);
  });

  it("Home Assistant's event entity lists every one of them", async () => {
    const { caps } = await discover("smartups-3g-120");
    const entity = Object.values(components(discoveryFor(caps, false))).find((c) => c.platform === "event");
    expect(entity?.event_types).toEqual(expect.arrayContaining([...BRIDGE_EVENT_TYPES]));
    expect(entity?.event_types).toEqual(
      expect.arrayContaining(["nut_command", "nut_logout", "shutdown_fsd_raised"]),
    );
  });
});
