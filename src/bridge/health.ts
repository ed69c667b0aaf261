// The bridge's health as a small JSON file, for container health checks (Docker HEALTHCHECK runs a
// separate process, which cannot ask the running bridge anything else cheaply and safely). The
// bridge rewrites the file every few seconds; `upslink2mqtt health` reads it and judges it. A file
// that stops being rewritten means a hung or dead bridge, so staleness is unhealthy too.
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { LinkState } from "../ups/link.js";
import { Timers } from "../util/timers.js";

/** Where the Docker image writes it (health.file) and where `upslink2mqtt health` looks by default. */
export const DEFAULT_HEALTH_FILE = "/tmp/upslink2mqtt-health.json";
export const DEFAULT_HEALTH_INTERVAL_MS = 5000;

export interface HealthStatus {
  readonly mqttConnected: boolean;
  readonly upses: readonly { readonly id: string; readonly linkState: LinkState }[];
}

/** The file's content: the status plus when it was written and how often it is rewritten. */
export interface HealthRecord {
  readonly at: string;
  readonly interval_ms: number;
  readonly mqtt_connected: boolean;
  readonly upses: readonly { readonly id: string; readonly link_state: LinkState }[];
}

/**
 * Writes the status atomically (temporary file, then rename), so a reader never sees half a file.
 * Throws on I/O errors; the periodic writer below logs and carries on instead.
 */
export function writeHealth(
  path: string,
  status: HealthStatus,
  options: { readonly now?: Date; readonly intervalMs?: number } = {},
): void {
  const record: HealthRecord = {
    at: (options.now ?? new Date()).toISOString(),
    interval_ms: options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS,
    mqtt_connected: status.mqttConnected,
    upses: status.upses.map((ups) => ({ id: ups.id, link_state: ups.linkState })),
  };
  const temporary = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record)}\n`, { mode: 0o644 });
  renameSync(temporary, path);
}

export interface HealthWriter {
  stop(): void;
}

/** Writes the status now and every `intervalMs` until stopped. Errors go to `onError`, never thrown. */
export function startHealthWriter(options: {
  readonly path: string;
  readonly status: () => HealthStatus;
  readonly intervalMs?: number;
  readonly onError?: (error: unknown) => void;
}): HealthWriter {
  const intervalMs = options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
  const write = (): void => {
    try {
      writeHealth(options.path, options.status(), { intervalMs });
    } catch (error) {
      options.onError?.(error);
    }
  };
  write();
  const timers = new Timers();
  timers.every(intervalMs, write);
  return { stop: () => timers.clearAll() };
}

export interface HealthVerdict {
  readonly healthy: boolean;
  /** Why not, one sentence each; empty when healthy. */
  readonly problems: readonly string[];
}

/**
 * A UPS told to shut down may fall silent on purpose (`shutdown_expected`, PROTOCOL-NOTES
 * "Commands"): that is not a fault of the bridge. `connecting` and `offline` are.
 */
const HEALTHY_LINK_STATES: ReadonlySet<string> = new Set(["online", "shutdown_expected"]);

/** Judges a health file's text. Stale after three missed rewrites (at least 15 s). */
export function judgeHealth(text: string, now: Date): HealthVerdict {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return { healthy: false, problems: ["the health file is not JSON"] };
  }
  if (!isRecord(record) || typeof record.at !== "string" || !Array.isArray(record.upses)) {
    return { healthy: false, problems: ["the health file has an unexpected shape"] };
  }
  const problems: string[] = [];
  const at = Date.parse(record.at);
  const interval =
    typeof record.interval_ms === "number" && record.interval_ms > 0
      ? record.interval_ms
      : DEFAULT_HEALTH_INTERVAL_MS;
  const maxAgeMs = Math.max(3 * interval, 15_000);
  if (Number.isNaN(at) || now.getTime() - at > maxAgeMs) {
    problems.push(
      `the bridge has not written its health for more than ${Math.round(maxAgeMs / 1000)} s (last: ${record.at})`,
    );
  }
  if (record.mqtt_connected !== true) problems.push("not connected to the MQTT broker");
  for (const ups of record.upses) {
    if (!isRecord(ups)) continue;
    if (!HEALTHY_LINK_STATES.has(String(ups.link_state))) {
      problems.push(`UPS ${String(ups.id)}: link ${String(ups.link_state)}`);
    }
  }
  return { healthy: problems.length === 0, problems };
}

/** Reads and judges the file; a missing file is unhealthy (the bridge has not started, or died early). */
export function checkHealthFile(path: string, now: Date): HealthVerdict {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    return { healthy: false, problems: [`cannot read the health file ${path} (${reason})`] };
  }
  return judgeHealth(text, now);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
