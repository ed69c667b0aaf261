// The link knows bytes, not UPS semantics (issue 11): nothing under src/link imports the catalogue,
// the UPS layer, MQTT or the configuration, and no catalogue id (a row's or an event's) is written
// in its source. The UPS layer turns rows into requests (src/ups/requests.ts).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOGUE, EVENTS } from "../../src/protocol/catalogue/index.js";

const LINK_DIR = join(import.meta.dirname, "../../src/link");

/** What link modules may import from outside the folder: pure protocol helpers and the logger. */
const ALLOWED = new Set([
  "../log.js",
  "../protocol/errors.js",
  "../protocol/escape.js",
  "../protocol/frames.js",
  "../protocol/types.js",
]);

/** The sim:// transport embeds the simulator: that is its job. */
const ALLOWED_IN: Readonly<Record<string, readonly string[]>> = { "sim.ts": ["../simulator/index.js"] };

function sources(): { file: string; text: string }[] {
  return readdirSync(LINK_DIR)
    .filter((file) => file.endsWith(".ts"))
    .map((file) => ({ file, text: readFileSync(join(LINK_DIR, file), "utf8") }));
}

function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].flatMap((m) =>
    m[1] === undefined ? [] : [m[1]],
  );
}

describe("src/link boundaries", () => {
  it("imports only pure protocol helpers, the logger and its own modules", () => {
    const offending: string[] = [];
    for (const { file, text } of sources()) {
      for (const spec of importsOf(text)) {
        if (spec.startsWith("./") || spec.startsWith("node:") || !spec.startsWith(".")) continue;
        if (ALLOWED.has(spec) || ALLOWED_IN[file]?.includes(spec)) continue;
        offending.push(`${file}: ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it("names no catalogue row or event id", () => {
    const ids = new Set<string>([...CATALOGUE.map((row) => row.id), ...EVENTS.map((event) => event.id)]);
    const found: string[] = [];
    for (const { file, text } of sources()) {
      for (const match of text.matchAll(/["'`]([a-z0-9_]+)["'`]/g)) {
        const literal = match[1];
        if (literal !== undefined && ids.has(literal)) found.push(`${file}: ${literal}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("sees the imports it checks (the scan is not blind)", () => {
    const session = sources().find((s) => s.file === "session.ts");
    expect(session).toBeDefined();
    expect(importsOf(session?.text ?? "")).toContain("../protocol/errors.js");
  });
});
