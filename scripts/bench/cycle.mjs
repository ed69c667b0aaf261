// Issue 4: the fast-tier poll cycle against the 2400-baud wire floor (simulator pacing on).
//
// A cycle runs from the host's first fast-tier request byte to the last byte of the reply to the
// last fast-tier request, with exactly the fast-tier requests in between (cycles disturbed by another
// tier or a re-read are skipped). For each request i with an n_i-character reply:
// - wire floor      = Σ (1 + n_i) × 10 bits / 2400 bit/s + Σ latency_i, latency_i the simulator's
//                     reply latency for request i as observed (request byte received → first reply
//                     character handed over: the host can only wait; the simulator derives it from
//                     the reply length, src/simulator/output.ts): what a real half-duplex RS-232
//                     exchange with the same latencies cannot beat;
// - simulator floor = Σ (latency_i + k_i × 4.167 ms), k_i the position of the reply character the host
//                     acts on (CR, or `:` for `j`; the final LF for the last request): the earliest
//                     the simulator can deliver. It does not clock the request byte, hands each
//                     character over at the start of its 10 bit-times, and the bridge sends its next
//                     request at CR while the LF is still on its way: three characters per request
//                     (12.5 ms) that a real line would charge and the simulator does not;
// - host turnaround = Σ (request i+1 sent − the reply byte just before it received): the bridge's own
//                     share (it answers the byte that completes the framed reply).
import { join } from "node:path";
import {
  CHAR_MS,
  fastTierOpcodes,
  SmartUpsSimulator,
  startInProcessModel,
  tapSimulator,
} from "./inprocess.mjs";
import { lineReader, sleep, startPtySimulator, summary, tempDir, writeJson } from "./lib.mjs";

/**
 * Finds the undisturbed fast-tier cycles in a wire record. The bridge sends its next request as soon
 * as a reply is framed (at CR, or at `:` for `j`), so the LF of one reply can cross the next request:
 * reply bytes are counted per cycle, not per request.
 */
export function analyseCycles(wire, opcodes) {
  const want = opcodes.map((o) => o.byte);
  const requests = [];
  wire.forEach((entry, index) => {
    if (entry.dir === ">") requests.push(index);
  });
  const cycles = [];
  for (let r = 0; r + want.length <= requests.length; r++) {
    if (!want.every((byte, k) => wire[requests[r + k]].bytes[0] === byte)) continue;
    const from = requests[r];
    const to = requests[r + want.length] ?? wire.length;
    // Cycles still being recorded are incomplete.
    if (to === wire.length && requests[r + want.length] === undefined) break;
    const replies = wire.slice(from, to).filter((e) => e.dir === "<");
    if (replies.length === 0) continue;
    const bytes = replies.flatMap((e) => [...e.bytes]);
    // An alert inside the cycle (a re-read follows) disturbs it.
    if (replies.some((e) => e.bytes.length === 1 && "!$%+?=*#|&".includes(String.fromCharCode(e.bytes[0]))))
      continue;
    if (bytes.at(-1) !== 0x0a) continue;
    const measured = replies.at(-1).at - wire[from].at;
    const replyBytes = bytes.length;
    let latencies = 0;
    let simChars = 0;
    const turnarounds = [];
    const firstByte = [];
    for (let k = 0; k < want.length; k++) {
      const at = requests[r + k];
      const next = requests[r + k + 1] ?? to;
      // Bytes of this reply: what arrived before the next request, minus the CR/LF left over from the
      // previous reply (replies never start with CR or LF).
      const chunks = wire.slice(at + 1, next).filter((e) => e.dir === "<");
      let own = chunks.flatMap((e) => [...e.bytes]);
      let skip = 0;
      while (skip < own.length && (own[skip] === 0x0d || own[skip] === 0x0a)) skip++;
      own = own.slice(skip);
      // The byte the host acted on (the last one before its next request; the final LF for the last
      // request) is character number own.length − 1 of the reply.
      simChars += Math.max(0, own.length - 1);
      let seen = 0;
      const firstOwn = chunks.find((e) => {
        seen += e.bytes.length;
        return seen > skip;
      });
      // The reply latency is the simulator's alone: the host has sent its byte and can only wait.
      if (firstOwn !== undefined) {
        firstByte.push(firstOwn.at - wire[at].at);
        latencies += firstOwn.at - wire[at].at;
      }
      if (k + 1 < want.length && chunks.length > 0) turnarounds.push(wire[next].at - chunks.at(-1).at);
    }
    const wireFloor = latencies + (want.length + replyBytes) * CHAR_MS;
    const simFloor = latencies + simChars * CHAR_MS;
    cycles.push({
      measured,
      wireFloor,
      simFloor,
      turnaround: turnarounds.reduce((a, b) => a + b, 0),
      turnarounds,
      requests: want.length,
      replyBytes,
      firstByte,
    });
    r += want.length - 1;
  }
  return cycles;
}

export function summariseCycles(cycles) {
  const pick = (key) => summary(cycles.map((c) => c[key]));
  const measured = pick("measured");
  const wireFloor = pick("wireFloor");
  const simFloor = pick("simFloor");
  return {
    cycles: cycles.length,
    requests: cycles[0]?.requests ?? 0,
    replyBytes: pick("replyBytes"),
    measured,
    wireFloor,
    simFloor,
    turnaround: pick("turnaround"),
    perRequestTurnaround: summary(cycles.flatMap((c) => c.turnarounds)),
    firstByteLatency: summary(cycles.flatMap((c) => c.firstByte)),
    ratioWire: summary(cycles.map((c) => c.measured / c.wireFloor)),
    ratioSim: summary(cycles.map((c) => c.measured / c.simFloor)),
  };
}

/** In-process: LinkSession + UpsModel over sim:// with pacing, poll interval at its minimum (250 ms). */
export async function cycleInProcess({ durationMs, opcodes }) {
  const sim = new SmartUpsSimulator({ profile: "smartups-3g-120", pacing: true });
  const tap = tapSimulator(sim);
  const { model, stop } = await startInProcessModel({ sim, pollIntervalMs: 250 });
  try {
    // Let discovery and the first full read finish.
    await waitUntil(() => model.store.get("ups_status_register") !== undefined, 60_000);
    await sleep(2000);
    tap.record(true);
    await sleep(durationMs);
    tap.record(false);
    return summariseCycles(analyseCycles(tap.wire, opcodes));
  } finally {
    await stop();
    sim.stop();
  }
}

async function waitUntil(predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the UPS model");
    await sleep(50);
  }
}

/**
 * Child processes: `simulate --pty --pacing` (with the wire log preload) and the bridge from dist/
 * on the pseudo-terminal, poll interval at its minimum; the wire record comes from the preload.
 */
export async function cyclePty({ durationMs, opcodes, brokerUrl, startBridgeProcess }) {
  const dir = tempDir("upslink-bench-cycle-");
  const link = join(dir, "ups0");
  const sim = await startPtySimulator(link, { pacing: true, env: { BENCH_WIRE_LOG: "1" } });
  const wire = [];
  let recording = false;
  lineReader(sim.child.stderr).onLine((line) => {
    if (!recording || !line.startsWith("#bench-wire ")) return;
    const [, dir2, hex, at] = line.split(" ");
    wire.push({ dir: dir2, bytes: Uint8Array.from(Buffer.from(hex, "hex")), at: Number.parseFloat(at) });
  });
  const configFile = join(dir, "bridge.json");
  writeJson(configFile, {
    mqtt: { url: brokerUrl, base_topic: "benchcycle" },
    ups: { id: "ups", port: link },
    poll_interval_ms: 250,
    log: { level: "warn" },
  });
  const bridge = startBridgeProcess(configFile);
  try {
    // The wire record starts at once: discovery probes rows one by one in catalogue order, so only
    // real fast-tier reads match the pattern. Wait for polling to start, then measure for durationMs.
    recording = true;
    const deadline = Date.now() + 90_000;
    while (analyseCycles(wire, opcodes).length === 0) {
      if (Date.now() > deadline) throw new Error(`no fast-tier cycle seen; bridge output: ${bridge.log()}`);
      await sleep(500);
    }
    await sleep(durationMs);
    recording = false;
    return summariseCycles(analyseCycles(wire, opcodes));
  } finally {
    const { stopChild, removeDir } = await import("./lib.mjs");
    await stopChild(bridge);
    await sim.stop();
    removeDir(dir);
  }
}

export { fastTierOpcodes };
