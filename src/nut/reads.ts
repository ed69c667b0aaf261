// The read-only requests of the NUT protocol, GET and LIST (RFC 9271 §4.2.2-4.2.3): a UPS's
// variables, commands and clients as reply lines. Split from the session, which keeps the state
// (login, tracking, credentials) these read through a ReadContext.
import { errorReply as err, okReply as ok, quote, type Reply } from "./protocol.js";
import type { TrackingTable } from "./tracking.js";
import type { NutUps } from "./ups.js";

/** What GET and LIST read: the server's UPSes and tracking table, and the asking session's state. */
export interface ReadContext {
  readonly upses: ReadonlyMap<string, NutUps>;
  readonly tracking: TrackingTable;
  /** The session turned TRACKING on. */
  readonly trackingOn: boolean;
  /** The sessions logged into a UPS. */
  logins(ups: string): readonly { readonly address: string }[];
}

/** The UPS by name, or the UNKNOWN-UPS reply. */
function find(ctx: ReadContext, name: string): { ups: NutUps } | { reply: Reply } {
  const ups = ctx.upses.get(name);
  if (ups === undefined) return { reply: err("UNKNOWN-UPS") };
  return { ups };
}

/** GET TRACKING, UPSDESC, NUMLOGINS, VAR, TYPE, DESC, CMDDESC. */
export function getReply(args: readonly string[], ctx: ReadContext): Reply {
  const [what = "", upsName, name] = args;
  const sub = what.toUpperCase();
  if (sub === "TRACKING") {
    if (upsName === undefined) return ok(ctx.trackingOn ? "ON" : "OFF");
    if (!ctx.trackingOn) return err("FEATURE-NOT-CONFIGURED");
    return ok(ctx.tracking.status(upsName));
  }
  if (upsName === undefined) return err("INVALID-ARGUMENT");
  const found = find(ctx, upsName);
  if ("reply" in found) return found.reply;
  const { ups } = found;
  if (sub === "UPSDESC") return ok(`UPSDESC ${ups.name} ${quote(ups.description)}`);
  if (sub === "NUMLOGINS") {
    if (ups.variables() === null) return err("DATA-STALE");
    return ok(`NUMLOGINS ${ups.name} ${ctx.logins(ups.name).length}`);
  }
  if (name === undefined) return err("INVALID-ARGUMENT");
  const vars = ups.variables();
  if (vars === null) return err("DATA-STALE");
  switch (sub) {
    case "VAR": {
      const variable = vars.get(name);
      return variable === undefined
        ? err("VAR-NOT-SUPPORTED")
        : ok(`VAR ${ups.name} ${name} ${quote(variable.value)}`);
    }
    case "TYPE": {
      const variable = vars.get(name);
      if (variable === undefined) return err("VAR-NOT-SUPPORTED");
      const w = variable.writable;
      const type = w === null ? "NUMBER" : w.kind === "string" ? `RW STRING:${w.length}` : "RW ENUM NUMBER";
      return ok(`TYPE ${ups.name} ${name} ${type}`);
    }
    case "DESC": {
      const desc = vars.get(name)?.desc ?? "Description unavailable";
      return ok(`DESC ${ups.name} ${name} ${quote(desc)}`);
    }
    case "CMDDESC": {
      const desc =
        ups.commandList().find((c) => c.nut === name.toLowerCase())?.desc ?? "Description unavailable";
      return ok(`CMDDESC ${ups.name} ${name} ${quote(desc)}`);
    }
    default:
      return err("INVALID-ARGUMENT");
  }
}

/** LIST UPS, CLIENT, VAR, RW, CMD, ENUM, RANGE. */
export function listReply(args: readonly string[], ctx: ReadContext): Reply {
  const [what = "", upsName, name] = args;
  const sub = what.toUpperCase();
  if (sub === "UPS") {
    const lines = ["BEGIN LIST UPS"];
    for (const ups of ctx.upses.values()) lines.push(`UPS ${ups.name} ${quote(ups.description)}`);
    lines.push("END LIST UPS");
    return { lines };
  }
  if (upsName === undefined) return err("INVALID-ARGUMENT");
  const found = find(ctx, upsName);
  if ("reply" in found) return found.reply;
  const { ups } = found;
  const n = ups.name;
  if (sub === "CLIENT") {
    const lines = [`BEGIN LIST CLIENT ${n}`];
    for (const session of ctx.logins(n)) lines.push(`CLIENT ${n} ${session.address}`);
    lines.push(`END LIST CLIENT ${n}`);
    return { lines };
  }
  const vars = ups.variables();
  if (sub !== "VAR" && sub !== "RW" && sub !== "CMD" && sub !== "ENUM" && sub !== "RANGE")
    return err("INVALID-ARGUMENT");
  if ((sub === "ENUM" || sub === "RANGE") && name === undefined) return err("INVALID-ARGUMENT");
  if (vars === null) return err("DATA-STALE");
  switch (sub) {
    case "VAR":
    case "RW": {
      const lines = [`BEGIN LIST ${sub} ${n}`];
      for (const variable of vars.values()) {
        if (sub === "RW" && variable.writable === null) continue;
        lines.push(`${sub} ${n} ${variable.name} ${quote(variable.value)}`);
      }
      lines.push(`END LIST ${sub} ${n}`);
      return { lines };
    }
    case "CMD": {
      const lines = [`BEGIN LIST CMD ${n}`];
      for (const command of ups.commandList()) lines.push(`CMD ${n} ${command.nut}`);
      lines.push(`END LIST CMD ${n}`);
      return { lines };
    }
    default: {
      const varName = name ?? "";
      const variable = vars.get(varName);
      if (variable === undefined) return err("VAR-NOT-SUPPORTED");
      const lines = [`BEGIN LIST ${sub} ${n} ${varName}`];
      // Every ring of a Smart-UPS is a list of choices: no RANGE.
      if (sub === "ENUM" && variable.writable?.kind === "enum") {
        for (const option of variable.writable.options)
          lines.push(`ENUM ${n} ${varName} ${quote(option.nut)}`);
      }
      lines.push(`END LIST ${sub} ${n} ${varName}`);
      return { lines };
    }
  }
}
