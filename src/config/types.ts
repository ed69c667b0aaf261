// The normalized configuration every module receives: defaults applied, values checked, one list of
// UPSes whatever form the source used. Every type here is derived from the convict schema
// (src/config/schema.ts): a key added there appears here with the type its format gives it.
import type { NUT_ACTIONS, NutUserValue } from "./formats.js";
import type { ConfigValues } from "./schema.js";

/**
 * One list of cables, the link's, and one of shutdown methods, the catalogue's: the schema lists
 * them (ups.cable, commands.shutdown_return.order), so the derived types below are these.
 */
export type { Cable } from "../link/transport.js";
export type { ShutdownMethod } from "../protocol/catalogue/index.js";

/** Flattens intersections so editors show the resulting fields. */
type Simplify<T> = { readonly [K in keyof T]: T[K] } & {};

type UpsValues = ConfigValues["ups"];

/** One UPS: its port is required (checked), its poll period falls back to the top-level one. */
export type UpsConfig = Simplify<
  Omit<UpsValues, "port" | "poll_interval_ms"> & {
    readonly port: string;
    /** The UPS's own value or the top-level `poll_interval_ms`. */
    readonly poll_interval_ms: number;
  }
>;

export type MqttConfig = Simplify<
  Omit<ConfigValues["mqtt"], "client_id"> & {
    /** Always set: the configured id or a derived `upslink2mqtt_<hex>`. */
    readonly client_id: string;
  }
>;

/** A NUT user with its optional fields filled in and its actions in upper case. */
export interface NutUserConfig {
  readonly username: string;
  readonly password: string;
  readonly upsmon: NonNullable<NutUserValue["upsmon"]> | null;
  readonly instcmds: readonly string[];
  readonly actions: readonly (typeof NUT_ACTIONS)[number][];
}

export type NutConfig = Simplify<
  Omit<ConfigValues["nut"], "listen" | "users"> & {
    /** null: the NUT server is off (an empty nut.listen). */
    readonly listen: { readonly host: string; readonly port: number } | null;
    readonly users: readonly NutUserConfig[];
  }
>;

export type NisConfig = Simplify<
  Omit<ConfigValues["nis"], "listen"> & {
    /** null: the NIS server is off (an empty nis.listen). */
    readonly listen: { readonly host: string; readonly port: number } | null;
  }
>;

export type CommandsConfig = ConfigValues["commands"];
/** null = off (the configured -1 is normalized to null). */
export type ShutdownPolicyConfig = ConfigValues["shutdown_policy"];
export type LinkConfig = ConfigValues["link"];

export type Config = Simplify<
  Omit<ConfigValues, "ups" | "mqtt" | "nut" | "nis"> & {
    readonly mqtt: MqttConfig;
    readonly upses: readonly UpsConfig[];
    readonly nut: NutConfig;
    readonly nis: NisConfig;
  }
>;

export interface LoadConfigInput {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}
