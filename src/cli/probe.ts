// `upslink2mqtt probe --port P [--json] [--cable C]`: one look at a UPS. Opens the port, enters smart
// mode, learns what the unit supports, reads every supported query and setting (with the values
// the setting allows) and prints them as a table or as JSON. Nothing is changed on the UPS: only
// queries and setting reads go out, never `-` or an action.

import { createTransport } from "../link/create.js";
import { LinkSession } from "../link/session.js";
import { CABLES, type Cable } from "../link/transport.js";
import { createLogger, LOG_LEVELS, type LogLevel } from "../log.js";
import { asUpsLinkError, isUpsLinkError } from "../protocol/errors.js";
import { UNIT_TEXT } from "../protocol/units.js";
import { CatalogueLink } from "../ups/catalogue-link.js";
import { type ProbeReport, probeUps, type Reading } from "../ups/probe.js";
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, writeLine } from "./io.js";

const USAGE = [
  "Usage: upslink2mqtt probe --port PORT [--json] [--cable 940-0024C|940-0095B]",
  "",
  "Identifies the UPS and prints every reading and setting it supports (settings with the values",
  "they allow). Sends only queries: nothing on the UPS is changed.",
  "",
  "  --port PORT   /dev/ttyS0, /dev/serial/by-id/…, tcp://host:port or sim://PROFILE",
  "                (default: UPSLINK_UPS_PORT)",
  "  --json        print JSON instead of a table",
  "  --cable C     940-0024C (default) or 940-0095B (sets DTR=1, RTS=0)",
  "  --help        print this help",
  "",
  "Environment: UPSLINK_LOG_LEVEL (logs go to standard error), UPSLINK_LINK_HANDSHAKE_RETRIES,",
  "UPSLINK_LINK_QUERY_TIMEOUT_MS.",
].join("\n");

interface ProbeArgs {
  readonly port: string;
  readonly json: boolean;
  readonly cable: Cable;
}

type Parsed =
  | { readonly ok: true; readonly args: ProbeArgs }
  | { readonly ok: false; readonly error: string }
  | "help";

function parseArgs(args: readonly string[], env: CliIo["env"]): Parsed {
  let port: string | undefined = env.UPSLINK_UPS_PORT;
  let json = false;
  let cable: string = env.UPSLINK_UPS_CABLE ?? "940-0024C";
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? arg.split("=", 2) : [arg, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case "--help":
      case "-h":
        return "help";
      case "--json":
        json = true;
        break;
      case "--port": {
        const text = value();
        if (text === undefined || text === "")
          return { ok: false, error: "--port needs a value, e.g. /dev/ttyS0" };
        port = text;
        break;
      }
      case "--cable": {
        const text = value();
        if (text === undefined) return { ok: false, error: `--cable needs a value: ${CABLES.join(" or ")}` };
        cable = text;
        break;
      }
      default:
        return { ok: false, error: `unknown option '${arg}' (allowed: --port, --json, --cable, --help)` };
    }
  }
  if (port === undefined || port === "") {
    return { ok: false, error: "--port is required (a device path, tcp://host:port or sim://PROFILE)" };
  }
  if (!isCable(cable)) return { ok: false, error: `--cable must be ${CABLES.join(" or ")}, not '${cable}'` };
  return { ok: true, args: { port, json, cable } };
}

function isCable(text: string): text is Cable {
  return (CABLES as readonly string[]).includes(text);
}

function intEnv(env: CliIo["env"], name: string): number | undefined {
  const text = env[name];
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function valueText(reading: Reading): string {
  if (reading.value === null) return reading.note === null ? "unknown" : `— (${reading.note})`;
  const text = typeof reading.value === "object" ? JSON.stringify(reading.value) : String(reading.value);
  return reading.unit === null ? text : `${text} ${UNIT_TEXT[reading.unit]}`;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

export function formatReport(report: ProbeReport): string {
  const id = report.identity;
  const out = [
    `UPS on ${report.port}`,
    ...table([
      ["  model", id.model ?? "unknown"],
      ["  serial", id.serial ?? "unknown"],
      ["  firmware", id.firmware ?? "unknown"],
      ["  manufactured", id.manufactureDate ?? "unknown"],
      ["  voltage version", id.localeLetter ?? "unknown"],
      ["  protocol level", report.protocolLevel === null ? "unknown (no `a`)" : String(report.protocolLevel)],
      ["  capabilities", report.capabilitySource === "a" ? "from `a`" : "probed query by query"],
      ["  Measure-UPS", report.measureUps ? "connected" : "none"],
    ]),
    "",
    `Readings (${report.readings.length}):`,
    ...table(report.readings.map((r) => [`  ${r.id}`, valueText(r)])),
    "",
    `Settings (${report.settings.length}):`,
    ...table(
      report.settings.map((s) => [
        `  ${s.id}`,
        valueText(s),
        s.allowed === null ? "" : `allowed: ${s.allowed.map((v) => JSON.stringify(v)).join(" ")}`,
      ]),
    ),
    "",
    `Actions: ${report.actions.join(", ") || "none"}`,
    `Alerts: ${report.alerts.join(", ") || "none"}`,
  ];
  const advice = report.firmwareAdvice;
  if (advice !== null) {
    out.push(
      "",
      `${advice.title}: installed UPS ${advice.installed}, latest UPS ${advice.latest}${advice.upToDate ? " (up to date)" : " (an update exists)"}`,
      `  ${advice.details}`,
    );
  }
  return out.join("\n");
}

export const probeCommand: Command = async (args, io) => {
  const parsed = parseArgs(args, io.env);
  if (parsed === "help") {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (!parsed.ok) {
    writeLine(io.stderr, `probe: ${parsed.error}.`);
    writeLine(io.stderr, USAGE);
    return EXIT_USAGE;
  }
  const level = io.env.UPSLINK_LOG_LEVEL;
  const logLevel: LogLevel =
    level !== undefined && (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : "silent";
  const logger = createLogger({ level: logLevel, destination: io.stderr });

  let link: CatalogueLink;
  try {
    const transport = createTransport(parsed.args.port, { cable: parsed.args.cable, logger });
    const handshakeRetries = intEnv(io.env, "UPSLINK_LINK_HANDSHAKE_RETRIES");
    const queryTimeoutMs = intEnv(io.env, "UPSLINK_LINK_QUERY_TIMEOUT_MS");
    const session = new LinkSession({
      transport,
      logger,
      reconnect: false,
      options: {
        ...(handshakeRetries === undefined ? {} : { handshakeRetries }),
        ...(queryTimeoutMs === undefined ? {} : { queryTimeoutMs }),
      },
    });
    link = new CatalogueLink(session);
  } catch (error) {
    writeLine(io.stderr, `probe: ${asUpsLinkError(error).message}`);
    return isUpsLinkError(error) && error.code === "config_invalid" ? EXIT_USAGE : EXIT_FAILURE;
  }

  try {
    // Port errors and "no SM" come out of start() as one actionable sentence each.
    await link.start();
    const report = await probeUps(link);
    writeLine(io.stdout, parsed.args.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return EXIT_OK;
  } catch (error) {
    writeLine(io.stderr, asUpsLinkError(error, "link_down").message);
    return EXIT_FAILURE;
  } finally {
    await link.stop();
  }
};
