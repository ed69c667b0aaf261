// Issue 11: the MQTT layer knows nothing of the UPS, the link or the configuration. Its sentences
// and errors come in from the caller (src/bridge/mqtt-factory.ts), so every import under src/mqtt
// stays inside src/mqtt, the neutral helpers (src/util, src/log.ts) or a package.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const MQTT = join(SRC, "mqtt");
const ALLOWED = [/^mqtt\//, /^util\//, /^log\.js$/];

function importsIn(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms)].map((m) => m[1] ?? "");
}

describe("src/mqtt imports", () => {
  it("reach only src/mqtt, src/util, src/log.ts and packages", () => {
    const files = readdirSync(MQTT).filter((name) => name.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(3);
    const outside: string[] = [];
    for (const name of files) {
      const file = join(MQTT, name);
      for (const specifier of importsIn(readFileSync(file, "utf8"))) {
        if (!specifier.startsWith(".")) continue; // node: and packages
        const target = relative(SRC, resolve(dirname(file), specifier));
        if (!ALLOWED.some((pattern) => pattern.test(target))) outside.push(`${name} → ${target}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it("finds imports that break the rule (the check can fail)", () => {
    const text = 'import type { MqttConfig } from "../config/types.js";\nimport { x } from "./topics.js";';
    expect(importsIn(text)).toEqual(["../config/types.js", "./topics.js"]);
  });
});
