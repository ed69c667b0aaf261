// The "Actions" section of docs/TOPICS.md: every action row and composite action with its opcode,
// parameters, whether it is destructive, and the button Home Assistant gets for it. The parameter
// text is shared with the settings table.
import type { Component } from "../../homeassistant/discovery.js";
import { CATALOGUE, opcodeText } from "../../protocol/catalogue/index.js";
import type { ParamSpec } from "../../protocol/types.js";
import { COMPOSITE_ACTIONS } from "../../ups/commands.js";
import { code, table } from "../markdown.js";

export function actionsSection(components: ReadonlyMap<string, Component>): string[] {
  const actions = CATALOGUE.filter((row) => row.kind === "action");
  const actionRows = [
    ...actions.map((row) => [
      code(row.id),
      code(opcodeText(row)),
      row.label,
      paramText(row.params),
      row.destructive ? "**yes**" : "no",
      buttonNote(row.id, components, row.destructive),
    ]),
    ...COMPOSITE_ACTIONS.map((action) => [
      code(action.id),
      "(several)",
      `${action.label}: ${action.description}`,
      "—",
      action.destructive ? "**yes**" : "no",
      buttonNote(action.id, components, action.destructive),
    ]),
  ];

  return [
    "## Actions (`<base>/<ups>/command/<action id>`)",
    "",
    "Destructive actions are discovered and accepted only with `commands.allow_destructive`, and always need the two-step confirmation (README, “Confirming destructive commands”).",
    "",
    table(["action id", "opcode", "what it does", "params", "destructive", "Home Assistant"], actionRows),
    "",
  ];
}

export function paramText(params: readonly ParamSpec[]): string {
  if (params.length === 0) return "—";
  return params.map(paramDescription).join("; ");
}

function paramDescription(param: ParamSpec): string {
  switch (param.type) {
    case "integer":
      return `${code(param.name)}: integer ${param.min}..${param.max} (${param.description})`;
    case "text":
      return `${code(param.name)}: text, up to ${param.length} characters (${param.description})`;
    case "hex_byte":
      return `${code(param.name)}: two hex digits (${param.description})`;
  }
}

/** Actions the bridge keeps to itself (it holds the UPS in smart mode): accepted, but no button. */
function buttonNote(id: string, components: ReadonlyMap<string, Component>, destructive: boolean): string {
  const button = components.get(id);
  if (button === undefined) return "no button (the bridge keeps the UPS in smart mode itself)";
  return destructive
    ? "`button` request + `button` confirm (only with commands.allow_destructive)"
    : "`button`";
}
