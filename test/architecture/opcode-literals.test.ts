// One place per opcode (issue 11): no catalogue id (a row's, an event's or a state key's) is written
// as a string literal in src/ outside src/protocol/catalogue/. Other layers read ids from rows, or
// through the typed constants the catalogue exports; a literal would be a second place that names the
// opcode, and one a renamed row would silently leave behind.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOGUE, EVENTS, KEY_IDS } from "../../src/protocol/catalogue/index.js";
import { tokens } from "./scan.js";

const SRC = join(import.meta.dirname, "../../src");
const CATALOGUE_DIR = `protocol${sep}catalogue${sep}`;

/**
 * Words of another vocabulary that happen to spell a catalogue id. Each entry must still occur (a
 * stale one fails), so the list cannot grow quietly into a hiding place.
 */
const OTHER_VOCABULARIES: readonly {
  readonly file: string;
  readonly literal: string;
  readonly why: string;
}[] = [
  { file: "config/schema.ts", literal: "ups_id", why: "the convict format of a UPS's topic id" },
  { file: "homeassistant/units.ts", literal: "humidity", why: "Home Assistant's device class" },
  { file: "simulator/control.ts", literal: "humidity", why: "the simulator's control command" },
];

const IDS: ReadonlySet<string> = new Set([
  ...CATALOGUE.map((row) => row.id),
  ...EVENTS.map((event) => event.id),
  ...KEY_IDS,
]);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every string literal (and template text) in the file equal to a catalogue id. */
function idLiterals(source: string): { readonly literal: string; readonly line: number }[] {
  return tokens(source)
    .filter((token) => token.kind === "string" && IDS.has(token.text))
    .map((token) => ({ literal: token.text, line: token.line }));
}

function sources(): { readonly file: string; readonly text: string }[] {
  return walk(SRC).map((path) => ({
    file: relative(SRC, path).split(sep).join("/"),
    text: readFileSync(path, "utf8"),
  }));
}

describe("catalogue ids in src/", () => {
  it("are written as string literals only in src/protocol/catalogue/", () => {
    const found: string[] = [];
    const allowed = new Set(OTHER_VOCABULARIES.map((entry) => `${entry.file} ${entry.literal}`));
    for (const { file, text } of sources()) {
      if (file.startsWith(CATALOGUE_DIR.split(sep).join("/"))) continue;
      for (const { literal, line } of idLiterals(text)) {
        if (!allowed.has(`${file} ${literal}`)) found.push(`${file}:${line} "${literal}"`);
      }
    }
    expect(found).toEqual([]);
  });

  it("lists only words of other vocabularies that still occur", () => {
    const texts = new Map(sources().map((s) => [s.file, s.text]));
    for (const entry of OTHER_VOCABULARIES) {
      const literals = idLiterals(texts.get(entry.file) ?? "").map((l) => l.literal);
      expect(literals, `${entry.file}: ${entry.literal} (${entry.why})`).toContain(entry.literal);
    }
  });

  it("sees literals where they are (the scan is not blind)", () => {
    const actions = readFileSync(join(SRC, "protocol/catalogue/actions.ts"), "utf8");
    expect(idLiterals(actions).map((l) => l.literal)).toContain("battery_test");
    const sample = [
      '// "line_fail" in a comment is prose',
      "/* 'battery_test' too */",
      "const a = 'battery_test';",
      'const b = { "line_voltage": 1 };',
      "const c = `§{x}shutdown_delay`; // a template's text counts too",
      'const d = /["\']/.test(s) ? `a§{`ups_id`}` : "num_battery_packs";',
    ]
      .join("\n")
      // § stands for the template's dollar sign, which a plain string may not hold here.
      .replaceAll("§", "$");
    expect(idLiterals(sample).map((l) => `${l.line} ${l.literal}`)).toEqual([
      "3 battery_test",
      "4 line_voltage",
      "5 shutdown_delay",
      "6 ups_id",
      "6 num_battery_packs",
    ]);
  });

  it("reads every source file to its end", () => {
    for (const { file, text } of sources()) expect(() => tokens(text), file).not.toThrow();
  });
});
