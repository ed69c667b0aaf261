// `upslink2mqtt probe --port P [--json] [--cable C]`: one look at a UPS. Opens the port, enters smart
// mode, learns what the unit supports, reads every supported query and setting (with the values
// the setting allows) and prints them as a table or as JSON. Nothing is changed on the UPS: only
// queries and setting reads go out, never `-` or an action.

import { linkOptions } from "../bridge/link-factory.js";
import { describeUnknownVariable, unknownVariables } from "../config/environment.js";
import { type ConfigPath, envNameFor, loadKeys } from "../config/index.js";
import { createTransport } from "../link/create.js";
import { LinkSession } from "../link/session.js";
import { CABLES } from "../link/transport.js";
import { createLogger } from "../log.js";
import { asUpsLinkError, isUpsLinkError } from "../protocol/errors.js";
import { UNIT_TEXT } from "../protocol/units.js";
import { CatalogueLink } from "../ups/catalogue-link.js";
import { type ProbeReport, probeUps, type Reading } from "../ups/probe.js";
import { type Command, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, writeLine } from "./io.js";

const USAGE = [
  "Usage: upslink2mqtt probe --port PORT [--json] [--cable 940-0024C|940-0095B]",
  "",
  "Identifies the UPS and prints every reading and setting it supports (settings with the values",
  "they allow). Sends only queries: nothing on the UPS is changed.",
  "",
  `  --port PORT   /dev/ttyS0, /dev/serial/by-id/…, tcp://host:port or sim://PROFILE`,
  `                (default: ${envNameFor("ups.port")})`,
  "  --json        print JSON instead of a table",
  `  --cable C     ${CABLES.join(" (default) or ")} (sets DTR=1, RTS=0)`,
  "  --help        print this help",
  "",
  `Environment: ${envNameFor("log.level")} (logs go to standard error; none by default), and the`,
  "link.* keys of `upslink2mqtt schema` (UPSLINK_LINK_QUERY_TIMEOUT_MS, UPSLINK_LINK_HANDSHAKE_RETRIES, …).",
].join("\n");

/** The configuration keys probe reads: the port and cable (or their flags), logging and the link. */
const PROBE_KEYS = [
  "ups.port",
  "ups.cable",
  "log.level",
  "link.query_timeout_ms",
  "link.query_retries",
  "link.handshake_retries",
  "link.reconnect_min_ms",
  "link.reconnect_max_ms",
  "link.lost_after_failures",
] as const satisfies readonly ConfigPath[];

interface ProbeArgs {
  readonly json: boolean;
  /** --port and --cable, as values of ups.port and ups.cable. */
  readonly flags: ReadonlyMap<ConfigPath, { readonly value: string; readonly flag: string }>;
}

type Parsed =
  | { readonly ok: true; readonly args: ProbeArgs }
  | { readonly ok: false; readonly error: string }
  | "help";

function parseArgs(args: readonly string[]): Parsed {
  let json = false;
  const flags = new Map<ConfigPath, { readonly value: string; readonly flag: string }>();
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
        flags.set("ups.port", { value: text, flag: "--port" });
        break;
      }
      case "--cable": {
        const text = value();
        if (text === undefined) return { ok: false, error: `--cable needs a value: ${CABLES.join(" or ")}` };
        flags.set("ups.cable", { value: text, flag: "--cable" });
        break;
      }
      default:
        return { ok: false, error: `unknown option '${arg}' (allowed: --port, --json, --cable, --help)` };
    }
  }
  return { ok: true, args: { json, flags } };
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
  const parsed = parseArgs(args);
  if (parsed === "help") {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (!parsed.ok) {
    writeLine(io.stderr, `probe: ${parsed.error}.`);
    writeLine(io.stderr, USAGE);
    return EXIT_USAGE;
  }
  for (const variable of unknownVariables(io.env))
    writeLine(io.stderr, `probe: ${describeUnknownVariable(variable)}`);
  let settings: ReturnType<typeof loadKeys>;
  try {
    // The same keys, formats and environment names as the bridge's configuration.
    settings = loadKeys({ env: io.env, flags: parsed.args.flags }, PROBE_KEYS);
  } catch (error) {
    writeLine(io.stderr, `probe: ${asUpsLinkError(error).message}`);
    return EXIT_USAGE;
  }
  const port = settings.ups.port;
  if (port === null) {
    writeLine(io.stderr, "probe: --port is required (a device path, tcp://host:port or sim://PROFILE).");
    writeLine(io.stderr, USAGE);
    return EXIT_USAGE;
  }
  // Quiet unless asked: the report is the output.
  const levelSet = (io.env[envNameFor("log.level")] ?? "") !== "";
  const logger = createLogger({ level: levelSet ? settings.log.level : "silent", destination: io.stderr });

  let link: CatalogueLink;
  try {
    const transport = createTransport(port, { cable: settings.ups.cable, logger });
    const session = new LinkSession({
      transport,
      logger,
      reconnect: false,
      options: linkOptions(settings.link),
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
