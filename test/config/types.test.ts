// Issue 11: the Config type is derived from the convict schema, not written by hand. These checks
// run in `npm run typecheck` (expectTypeOf is a no-op at run time): a format or a `values` list
// changed in src/config/schema.ts changes the type the bridge sees.
import { describe, expectTypeOf, it } from "vitest";
import type { Cable, Config, ShutdownMethod } from "../../src/config/index.js";
import type { LogLevel } from "../../src/log.js";

describe("Config (derived from the schema)", () => {
  it("gives each key the type of its format, null only where the key is nullable", () => {
    expectTypeOf<Config["mqtt"]["url"]>().toEqualTypeOf<string>();
    expectTypeOf<Config["mqtt"]["qos"]>().toEqualTypeOf<0 | 1 | 2>();
    expectTypeOf<Config["mqtt"]["protocol_version"]>().toEqualTypeOf<4 | 5>();
    expectTypeOf<Config["mqtt"]["password"]>().toEqualTypeOf<string | null>();
    expectTypeOf<Config["mqtt"]["reject_unauthorized"]>().toEqualTypeOf<boolean>();
    expectTypeOf<Config["log"]["level"]>().toEqualTypeOf<LogLevel>();
    expectTypeOf<Config["commands"]["shutdown_return"]["order"]>().toEqualTypeOf<readonly ShutdownMethod[]>();
    expectTypeOf<ShutdownMethod>().toEqualTypeOf<"S" | "@" | "K" | "Z" | "CS">();
    expectTypeOf<Cable>().toEqualTypeOf<"940-0024C" | "940-0095B">();
    expectTypeOf<Config["shutdown_policy"]["charge_below_percent"]>().toEqualTypeOf<number | null>();
    expectTypeOf<Config["health"]["file"]>().toEqualTypeOf<string | null>();
    expectTypeOf<Config["link"]["query_timeout_ms"]>().toEqualTypeOf<number>();
    expectTypeOf<Config["nut"]["max_clients"]>().toEqualTypeOf<number>();
    expectTypeOf<Config["log"]["format"]>().toEqualTypeOf<"pretty" | "json" | null>();
  });

  it("normalizes what loading settles: a client id always, a port and poll period per UPS", () => {
    expectTypeOf<Config["mqtt"]["client_id"]>().toEqualTypeOf<string>();
    expectTypeOf<Config["upses"][number]["port"]>().toEqualTypeOf<string>();
    expectTypeOf<Config["upses"][number]["poll_interval_ms"]>().toEqualTypeOf<number>();
    expectTypeOf<Config["upses"][number]["name"]>().toEqualTypeOf<string | null>();
    expectTypeOf<Config["nut"]["listen"]>().toEqualTypeOf<{
      readonly host: string;
      readonly port: number;
    } | null>();
    expectTypeOf<Config["nut"]["users"][number]["actions"]>().toEqualTypeOf<readonly ("SET" | "FSD")[]>();
    expectTypeOf<Config>().not.toHaveProperty("ups");
  });
});
