import { readFileSync, writeFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { schemaCommand } from "../../src/cli/schema.js";
import { CONFIG_KEYS, configJsonSchema, configJsonSchemaText } from "../../src/config/index.js";

const SCHEMA_FILE = new URL("../../config.schema.json", import.meta.url);

type Node = { readonly [key: string]: unknown };

function child(node: unknown, name: string): Node {
  const properties = (node as Node).properties as Record<string, Node> | undefined;
  const found = properties?.[name];
  if (found === undefined) throw new Error(`no property ${name}`);
  return found;
}

function leaf(schema: Node, path: string): Node {
  const parts = path.split(".");
  let node: Node = schema;
  for (const [index, part] of parts.entries()) {
    // `ups` is a oneOf (mapping or list): its mapping form lives in $defs.ups.
    node =
      index === 0 && part === "ups"
        ? ((schema.$defs as Record<string, Node>).ups as Node)
        : child(node, part);
  }
  return node;
}

describe("JSON Schema", () => {
  it("is draft 2020-12 and closed (unknown keys are invalid)", () => {
    const schema = configJsonSchema();
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.additionalProperties).toBe(false);
    expect(child(schema, "mqtt").additionalProperties).toBe(false);
  });

  it("describes every key with its doc, default and environment variable", () => {
    const schema = configJsonSchema();
    for (const key of CONFIG_KEYS) {
      const node = leaf(schema, key.path);
      expect(node.default, key.path).toEqual(key.default);
      expect(String(node.description), key.path).toContain(key.doc);
      expect(String(node.description), key.path).toContain(key.env);
      expect(node.writeOnly === true, key.path).toBe(key.sensitive);
    }
  });

  it("carries ranges and allowed values", () => {
    const schema = configJsonSchema();
    expect(leaf(schema, "poll_interval_ms")).toMatchObject({ type: "integer", minimum: 250, maximum: 60000 });
    expect(leaf(schema, "ups.cable")).toMatchObject({ enum: ["940-0024C", "940-0095B"] });
    expect(leaf(schema, "mqtt.protocol_version")).toMatchObject({ enum: [4, 5] });
    expect(leaf(schema, "commands.shutdown_return.order")).toMatchObject({
      type: "array",
      items: { enum: ["S", "@", "K", "Z", "CS"] },
    });
  });

  it("accepts one UPS or a list whose items need a port", () => {
    const schema = configJsonSchema();
    const ups = child(schema, "ups");
    expect(ups.oneOf).toEqual([
      { $ref: "#/$defs/ups" },
      { type: "array", minItems: 1, items: { $ref: "#/$defs/ups_list_item" } },
    ]);
    const item = (schema.$defs as Record<string, Node>).ups_list_item as Node;
    expect(item.required).toEqual(["port"]);
    expect(String(child(item, "port").description)).not.toContain("UPSLINK_UPS_PORT");
  });

  it("config.schema.json matches the convict schema", (ctx) => {
    const generated = configJsonSchemaText();
    // Regenerating on purpose: UPSLINK_WRITE_SCHEMA=1 npx vitest run test/config/schema.test.ts. That
    // compares nothing, so it is reported as skipped (a failure under CI).
    if (process.env.UPSLINK_WRITE_SCHEMA === "1") {
      writeFileSync(SCHEMA_FILE, generated);
      ctx.skip(`UPSLINK_WRITE_SCHEMA=1 rewrote ${SCHEMA_FILE}: review its diff`);
    }
    let onDisk = "";
    try {
      onDisk = readFileSync(SCHEMA_FILE, "utf8");
    } catch {
      onDisk = "(missing)";
    }
    expect(
      onDisk === generated,
      "config.schema.json is out of date with src/config/schema.ts. Regenerate it: npm run build && node scripts/generate-schema.mjs (or UPSLINK_WRITE_SCHEMA=1 npx vitest run test/config/schema.test.ts)",
    ).toBe(true);
  });
});

describe("upslink2mqtt schema", () => {
  function io(argv: readonly string[]): { io: CliIo; out: () => string; err: () => string } {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8");
    });
    return {
      io: { argv, env: {}, stdin: new PassThrough(), stdout, stderr, stopSignal: new Promise(() => {}) },
      out: () => out,
      err: () => err,
    };
  }

  it("prints the same JSON Schema as config.schema.json", async () => {
    const run = io([]);
    expect(await schemaCommand([], run.io)).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(run.out())).toEqual(configJsonSchema());
    expect(run.out()).toBe(configJsonSchemaText());
  });

  it("refuses arguments with exit code 2", async () => {
    const run = io(["--json"]);
    expect(await schemaCommand(["--json"], run.io)).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(run.err()).toContain("takes no arguments");
  });
});
