// Writes docs/CONFIGURATION.md and docs/TOPICS.md from the code (src/docs/reference.ts).
// Run after a build: npm run build && node scripts/generate-docs.mjs
import { writeFileSync } from "node:fs";
import { configurationReference, topicReference } from "../dist/docs/reference.js";

for (const [name, text] of [
  ["CONFIGURATION.md", configurationReference()],
  ["TOPICS.md", topicReference()],
]) {
  const target = new URL(`../docs/${name}`, import.meta.url);
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target.pathname}\n`);
}
