// Writes config.schema.json at the repository root from the convict schema (src/config/schema.ts).
// Run after a build: npm run build && node scripts/generate-schema.mjs
import { writeFileSync } from "node:fs";
import { configJsonSchemaText } from "../dist/config/json-schema.js";

const target = new URL("../config.schema.json", import.meta.url);
writeFileSync(target, configJsonSchemaText());
process.stdout.write(`wrote ${target.pathname}\n`);
