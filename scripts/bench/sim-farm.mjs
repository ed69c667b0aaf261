// Benchmark helper: N simulated Smart-UPS units in one process, each on its own loopback TCP port
// (one client at a time, like `upslink2mqtt simulate --tcp`), each with its own serial number.
// Prints one JSON line `{"ports": [...]}` when listening. Control lines on standard input go to every
// unit (`power fail`, `power restore`, …); one answer line each. Ends on SIGTERM or end of input.
//   node scripts/bench/sim-farm.mjs --count 50 [--pacing]
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { SmartUpsSimulator } from "../../dist/simulator/simulator.js";

const args = process.argv.slice(2);
const count = Number.parseInt(args[args.indexOf("--count") + 1] ?? "1", 10);
const pacing = args.includes("--pacing");

const units = [];
for (let i = 0; i < count; i++) {
  const sim = new SmartUpsSimulator({
    profile: "smartups-3g-120",
    pacing,
    serial: `BENCH${String(i).padStart(7, "0")}`,
  });
  let current = null;
  const server = createServer((socket) => {
    if (current !== null) {
      socket.end("busy\r\n");
      return;
    }
    current = socket;
    socket.setNoDelay(true);
    const toHost = (bytes) => socket.write(bytes);
    sim.on("data", toHost);
    socket.on("data", (chunk) => sim.write(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      sim.off("data", toHost);
      current = null;
    });
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  units.push({ sim, server, port: server.address().port, socket: () => current });
}

process.stdout.write(`${JSON.stringify({ ports: units.map((u) => u.port) })}\n`);

const stop = () => {
  for (const unit of units) {
    unit.sim.stop();
    unit.socket()?.destroy();
    unit.server.close();
  }
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
const controls = createInterface({ input: process.stdin });
controls.on("line", (line) => {
  const answers = units.map((unit) => unit.sim.control(line));
  process.stdout.write(`${answers[0] ?? ""} (x${answers.length})\n`);
});
controls.on("close", stop);
