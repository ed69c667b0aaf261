// Loaded by src/main.ts once Node.js is known to be recent enough. The only module that reads
// `process` (besides that version check): argv, environment, standard streams, signals and the exit code.
import { dispatch } from "./cli/index.js";
import type { CliIo } from "./cli/io.js";

const stopSignal = new Promise<string>((resolve) => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => resolve(signal));
  }
});

const io: CliIo = {
  argv: process.argv.slice(2),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  stopSignal,
};

process.on("unhandledRejection", (reason) => {
  process.stderr.write(
    `upslink2mqtt: unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`,
  );
  process.exitCode = 1;
});

dispatch(io).then(
  (code) => {
    process.exitCode = code;
    // Long-running commands close their handles before returning; exit anyway so a stray timer in a
    // dependency cannot keep a stopped bridge alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (error: unknown) => {
    process.stderr.write(`upslink2mqtt: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
