#!/usr/bin/env -S node --max-semi-space-size=1
// (The flag keeps V8's young generation small: the bridge allocates little, and this saves about
// 10 MB of resident memory. Launchers that call `node` directly pass it too: Dockerfile, add-on.)
//
// The entry point: checks the Node.js version before loading the program. Static imports are all
// loaded before a module runs, so the program (src/start.ts) comes in through a dynamic import, and
// an older Node gets one sentence naming the version it needs instead of an error from deep inside
// a dependency. node-version.js imports nothing and needs nothing recent.
import { unsupportedNode } from "./node-version.js";

const problem = unsupportedNode(process.versions.node);
if (problem === null) {
  await import("./start.js");
} else {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
}
