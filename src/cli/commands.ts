// `upslink2mqtt commands [--json]`: the catalogue the bridge knows, from the one table in
// src/protocol/catalogue/ (actions, queries, settings, the edit modifier), then the feedbacks and
// the alert events.
import { CATALOGUE, EVENTS, FEEDBACKS, opcodeText } from "../protocol/catalogue/index.js";
import { byteName } from "../protocol/escape.js";
import { type Command, EXIT_OK, EXIT_USAGE, writeLine } from "./io.js";

const USAGE = [
  "Usage: upslink2mqtt commands [--json]",
  "",
  "Lists every UPS-Link command, query, setting and modifier of the catalogue (id, kind, opcode,",
  "destructive, unit), then the feedbacks and the alert events.",
  "",
  "Options:",
  "  --json    print {actions, feedbacks, events} as JSON",
  "  --help    print this help",
].join("\n");

function actionsJson() {
  return CATALOGUE.map((row) => ({
    id: row.id,
    kind: row.kind,
    opcode: opcodeText(row),
    bytes: [...row.wire.bytes],
    destructive: row.destructive,
    unit: row.unit,
    tier: row.tier,
    label: row.label,
  }));
}

function feedbacksJson() {
  return FEEDBACKS.map((f) => ({
    id: f.id,
    type: f.type,
    values: f.values,
    unit: f.unit,
    source_query: f.sourceQuery,
  }));
}

function eventsJson() {
  return EVENTS.map((e) => ({ id: e.id, alert: e.char, byte: e.byte, description: e.description }));
}

/** Left-aligned columns, two spaces apart. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

export const commandsCommand: Command = async (args, io) => {
  let json = false;
  for (const arg of args) {
    if (arg === "--json") json = true;
    else if (arg === "--help" || arg === "-h") {
      writeLine(io.stdout, USAGE);
      return EXIT_OK;
    } else {
      writeLine(io.stderr, `commands: unknown option '${arg}' (allowed: --json, --help).`);
      writeLine(io.stderr, USAGE);
      return EXIT_USAGE;
    }
  }
  if (json) {
    writeLine(
      io.stdout,
      JSON.stringify({ actions: actionsJson(), feedbacks: feedbacksJson(), events: eventsJson() }, null, 2),
    );
    return EXIT_OK;
  }
  const out: string[] = [`Actions, queries, settings (${CATALOGUE.length}):`];
  out.push(
    ...table(
      ["id", "kind", "opcode", "destructive", "unit"],
      CATALOGUE.map((row) => [
        row.id,
        row.kind,
        opcodeText(row),
        row.destructive ? "yes" : "no",
        row.unit ?? "",
      ]),
    ),
  );
  out.push("", `Feedbacks (${FEEDBACKS.length}):`);
  out.push(
    ...table(
      ["id", "type", "unit", "source query"],
      FEEDBACKS.map((f) => [f.id, f.type, f.unit ?? "", f.sourceQuery]),
    ),
  );
  out.push("", `Events (${EVENTS.length}):`);
  out.push(
    ...table(
      ["id", "alert", "description"],
      EVENTS.map((e) => [e.id, e.byte === null ? "(declared by a)" : byteName(e.byte), e.description]),
    ),
  );
  writeLine(io.stdout, out.join("\n"));
  return EXIT_OK;
};
