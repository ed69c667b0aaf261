// Loaded by src/main.ts once Node.js is known to be recent enough. The only module that reads
// `process` (besides that version check): argv, environment, standard streams, signals and the exit code.
import { dispatch } from "./cli/index.js";
import type { CliIo } from "./cli/io.js";

// SIGHUP (the terminal closed, or `kill -HUP`) stops like SIGTERM: Node's default would end the
// process at once and leave `online` retained. There is no reload: restart to apply a new
// configuration.
const stopSignal = new Promise<string>((resolve) => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
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
    // No forced exit: every command closes its ports, sockets and timers before returning (each
    // owner clears its timer registry on stop), so the process ends by itself. The end-to-end and
    // signal tests would hang on a handle left open.
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`upslink2mqtt: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
