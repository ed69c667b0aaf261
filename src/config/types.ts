// The normalized configuration every module receives: defaults applied, values checked, one list of
// UPSes whatever form the source used.
import type { Cable } from "../link/transport.js";
import type { LogFormat, LogLevel } from "../log.js";
import type { ShutdownMethod } from "../protocol/catalogue/index.js";

/** One list of cables, the link's (the 940-0095B needs DTR=1, RTS=0); one of shutdown methods, the catalogue's. */
export type { Cable, ShutdownMethod };

export interface MqttConfig {
  readonly url: string;
  readonly username: string | null;
  readonly password: string | null;
  readonly base_topic: string;
  /** Always set: the configured id or a derived `upslink2mqtt_<hex>`. */
  readonly client_id: string;
  readonly protocol_version: 4 | 5;
  readonly keepalive_s: number;
  readonly reconnect_period_ms: number;
  readonly reconnect_max_ms: number;
  /** File paths (PEM); the MQTT connection reads them. */
  readonly ca: string | null;
  readonly cert: string | null;
  readonly key: string | null;
  readonly key_passphrase: string | null;
  readonly reject_unauthorized: boolean;
  /** 0 = no periodic full refresh. */
  readonly refresh_interval_s: number;
  readonly qos: 0 | 1 | 2;
}

export interface UpsConfig {
  readonly id: string;
  readonly port: string;
  readonly cable: Cable;
  readonly name: string | null;
  /** The UPS's own value or the top-level `poll_interval_ms`. */
  readonly poll_interval_ms: number;
}

export interface CommandsConfig {
  readonly allow_destructive: boolean;
  readonly confirm_timeout_s: number;
  readonly shutdown_return: {
    readonly order: readonly ShutdownMethod[];
    readonly wake_delay_tenths: number;
    readonly cs_delay_ms: number;
  };
}

export interface ShutdownPolicyConfig {
  /** null = off (the configured -1 is normalized to null). */
  readonly charge_below_percent: number | null;
  readonly runtime_below_minutes: number | null;
}

export interface LinkConfig {
  readonly query_timeout_ms: number;
  readonly query_retries: number;
  readonly handshake_retries: number;
  readonly reconnect_min_ms: number;
  readonly reconnect_max_ms: number;
  readonly lost_after_failures: number;
}

export interface NutUserConfig {
  readonly username: string;
  readonly password: string;
  readonly upsmon: "primary" | "secondary" | null;
  readonly instcmds: readonly string[];
  readonly actions: readonly ("SET" | "FSD")[];
}

export interface NutConfig {
  /** null: the NUT server is off. */
  readonly listen: { readonly host: string; readonly port: number } | null;
  readonly certfile: string | null;
  readonly keyfile: string | null;
  readonly users: readonly NutUserConfig[];
  readonly max_clients: number;
  readonly idle_timeout_s: number;
}

export interface Config {
  readonly mqtt: MqttConfig;
  readonly homeassistant: { readonly enabled: boolean; readonly discovery_prefix: string };
  readonly upses: readonly UpsConfig[];
  readonly poll_interval_ms: number;
  readonly slow_poll_interval_s: number;
  readonly commands: CommandsConfig;
  readonly shutdown_policy: ShutdownPolicyConfig;
  readonly link: LinkConfig;
  readonly nut: NutConfig;
  readonly log: { readonly level: LogLevel; readonly format: LogFormat | null };
}

export interface LoadConfigInput {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}
