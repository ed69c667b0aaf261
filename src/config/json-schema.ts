// The configuration file's JSON Schema (draft 2020-12), generated from the convict schema so the
// two cannot disagree. config.schema.json at the repository root is this, pretty printed; a test
// fails when it drifts.
import { formatJsonSchema, type JsonSchemaNode } from "./formats.js";
import { CONFIG_SCHEMA, envNameFor, flagFor, isFieldSpec, type SchemaNode } from "./schema.js";

function leafSchema(path: string, node: SchemaNode & { readonly doc: string }): JsonSchemaNode {
  if (!isFieldSpec(node)) return {};
  return {
    description: `${node.doc} Environment: ${envNameFor(path)}; flag: ${flagFor(path)}.`,
    ...formatJsonSchema(node),
    default: node.default,
    // JSON Schema's annotation for secrets: accepted, never echoed back.
    ...(node.sensitive === true ? { writeOnly: true } : {}),
  };
}

function objectSchema(tree: { readonly [key: string]: SchemaNode }, prefix: string): JsonSchemaNode {
  const properties: Record<string, JsonSchemaNode> = {};
  for (const [name, node] of Object.entries(tree)) {
    const path = prefix === "" ? name : `${prefix}.${name}`;
    properties[name] = isFieldSpec(node) ? leafSchema(path, node) : objectSchema(node, path);
  }
  return { type: "object", additionalProperties: false, properties };
}

export function configJsonSchema(): JsonSchemaNode {
  const root = objectSchema(CONFIG_SCHEMA, "");
  const properties = root.properties as Record<string, JsonSchemaNode>;
  const single = properties.ups ?? {};
  const singleProperties = (single.properties ?? {}) as Record<string, JsonSchemaNode>;
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "upslink2mqtt configuration",
    description:
      "Configuration file of upslink2mqtt (YAML or JSON). Every key can also be set by its environment variable or flag; later sources win: defaults, file, environment, flags.",
    ...root,
    properties: {
      ...properties,
      ups: {
        description:
          "One UPS (a mapping), or several UPSes in one process (a list, each item with its own id and port). UPSLINK_UPS_* variables and --ups.* flags describe a single UPS and cannot be combined with a list.",
        oneOf: [
          { $ref: "#/$defs/ups" },
          { type: "array", minItems: 1, items: { $ref: "#/$defs/ups_list_item" } },
        ],
      },
    },
    $defs: {
      ups: single,
      ups_list_item: {
        type: "object",
        additionalProperties: false,
        required: ["port"],
        properties: Object.fromEntries(
          Object.entries(singleProperties).map(([name, node]) => [
            name,
            // In a list, environment variables and flags do not apply: only the doc and the format.
            { ...node, description: String(node.description ?? "").replace(/ Environment: .*$/, "") },
          ]),
        ),
      },
    },
  };
}

/** The file's text: what `upslink2mqtt schema` prints and config.schema.json holds. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
