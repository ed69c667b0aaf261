// Types of options-env.mjs (plain JavaScript so it runs in the add-on before the bridge).
export declare const OPTION_KEYS: Readonly<Record<string, string>>;
export declare function envNameFor(path: string): string;
export interface MqttService {
  readonly host?: string | undefined;
  readonly port?: string | number | undefined;
  readonly ssl?: string | boolean | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}
export declare function optionsToEnv(
  options: Readonly<Record<string, unknown>>,
  service?: MqttService,
): Record<string, string>;
export declare function shellExports(env: Readonly<Record<string, string>>): string;
