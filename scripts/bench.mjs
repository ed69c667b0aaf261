// `npm run bench`: the performance figures of issues 4 and 7, measured on this machine, printed and
// written to docs/BENCHMARKS.md. A script, not a test: nothing here passes or fails on a number.
//
//   node scripts/bench.mjs [--quick] [--only latency,cycle,resources,nut] [--cycles N]
//                          [--nut-cycles N] [--window S] [--upses N] [--cycle-window S] [--no-write]
//
// Defaults (about 8 minutes): 200 power-fail/restore cycles over a pty and 200 in-process, fast-tier
// cycles for 20 s each way, 60 s resource windows with 1 and 50 UPSes, 20 NUT cycles. --quick cuts
// everything down for a smoke run (about 3 minutes).
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { cycleInProcess, cyclePty, fastTierOpcodes } from "./bench/cycle.mjs";
import { latencyInProcess, latencyPty } from "./bench/latency.mjs";
import { cleanupAll, installExitHandlers, ROOT, startBridgeProcess, startMosquitto } from "./bench/lib.mjs";
import { nutAvailable, nutVersusBridge } from "./bench/nut.mjs";
import { previousSoak, renderMarkdown, renderSummary } from "./bench/report.mjs";
import { resources, rssBaselines } from "./bench/resources.mjs";

function parseFlags(argv) {
  const quick = argv.includes("--quick");
  const value = (name, fallback) => {
    const index = argv.indexOf(name);
    if (index < 0) return fallback;
    const number = Number.parseInt(argv[index + 1] ?? "", 10);
    if (!Number.isFinite(number) || number <= 0) throw new Error(`${name} needs a positive number`);
    return number;
  };
  const onlyIndex = argv.indexOf("--only");
  const all = ["latency", "cycle", "resources", "nut"];
  const only = onlyIndex < 0 ? all : (argv[onlyIndex + 1] ?? "").split(",");
  for (const name of only) if (!all.includes(name)) throw new Error(`--only takes ${all.join(",")}`);
  return {
    quick,
    only,
    cycles: value("--cycles", quick ? 30 : 200),
    nutCycles: value("--nut-cycles", quick ? 5 : 20),
    windowS: value("--window", quick ? 15 : 60),
    upses: value("--upses", 50),
    cycleWindowS: value("--cycle-window", quick ? 8 : 20),
    write: !argv.includes("--no-write"),
  };
}

function machine() {
  const cpu = cpus();
  let os = "";
  try {
    os = execFileSync("sh", ["-c", ". /etc/os-release && echo $PRETTY_NAME"], { encoding: "utf8" }).trim();
  } catch {
    os = process.platform;
  }
  let mosquitto = "";
  try {
    mosquitto = execFileSync("/usr/sbin/mosquitto", ["-h"], { encoding: "utf8" }).split("\n")[0];
  } catch (error) {
    mosquitto = String(error.stdout ?? "").split("\n")[0];
  }
  let commit = "";
  try {
    commit = execFileSync("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    commit = "unknown";
  }
  return {
    cpu: `${cpu.length} × ${cpu[0]?.model ?? "unknown"}`,
    memoryGb: totalmem() / 1024 ** 3,
    os,
    kernel: execFileSync("uname", ["-r"], { encoding: "utf8" }).trim(),
    node: process.version,
    mosquitto,
    commit,
    loadavg: execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).trim(),
  };
}

const log = (text) => process.stderr.write(`[bench] ${text}\n`);

async function main() {
  installExitHandlers();
  const flags = parseFlags(process.argv.slice(2));
  const started = new Date();
  const results = { flags, machine: machine(), started: started.toISOString() };
  const broker = await startMosquitto();
  log(`mosquitto on ${broker.url}`);
  try {
    if (flags.only.includes("latency")) {
      log(`alert latency over a pty (child processes), ${flags.cycles} cycles…`);
      results.latencyPty = await latencyPty({
        cycles: flags.cycles,
        brokerUrl: broker.url,
        onProgress: (n) => n % 50 === 0 && log(`  pty ${n}/${flags.cycles}`),
      });
      log(`alert latency in-process (sim://), ${flags.cycles} cycles…`);
      results.latencyInProcess = await latencyInProcess({
        cycles: flags.cycles,
        brokerUrl: broker.url,
        onProgress: (n) => n % 50 === 0 && log(`  in-process ${n}/${flags.cycles}`),
      });
    }
    if (flags.only.includes("cycle")) {
      const opcodes = await fastTierOpcodes();
      results.fastTier = opcodes.map((o) => o.id);
      log(`fast-tier cycle in-process, ${flags.cycleWindowS} s…`);
      results.cycleInProcess = await cycleInProcess({ durationMs: flags.cycleWindowS * 1000, opcodes });
      log(`fast-tier cycle over a pty (child processes), ${flags.cycleWindowS} s after discovery…`);
      results.cyclePty = await cyclePty({
        durationMs: flags.cycleWindowS * 1000,
        opcodes,
        brokerUrl: broker.url,
        startBridgeProcess,
      });
    }
    if (flags.only.includes("resources")) {
      results.rssBaselines = rssBaselines();
      results.resources = [];
      for (const count of [1, flags.upses]) {
        log(`resources with ${count} UPS(es): ${flags.windowS} s window…`);
        results.resources.push(
          await resources({
            count,
            brokerUrl: broker.url,
            windowMs: flags.windowS * 1000,
            warmupMs: flags.quick ? 5000 : 15_000,
            onProgress: (text) => log(`  ${text}`),
          }),
        );
      }
    }
    if (flags.only.includes("nut")) {
      if (nutAvailable()) {
        log(`NUT apcsmart + upsd versus the bridge, ${flags.nutCycles} cycles…`);
        results.nut = await nutVersusBridge({
          cycles: flags.nutCycles,
          brokerUrl: broker.url,
          onProgress: (n) => n % 5 === 0 && log(`  nut ${n}/${flags.nutCycles}`),
        });
      } else {
        results.nut = { skipped: "NUT is not installed (/lib/nut/apcsmart, /lib/nut/upsd)" };
      }
    }
  } finally {
    await broker.stop();
    await cleanupAll();
  }
  results.finished = new Date().toISOString();
  results.minutes = (Date.now() - started.getTime()) / 60_000;
  process.stdout.write(`${renderSummary(results)}\n`);
  if (flags.write) {
    const { existsSync, readFileSync, writeFileSync } = await import("node:fs");
    const file = join(ROOT, "docs/BENCHMARKS.md");
    if (existsSync(file)) results.soakSection = previousSoak(readFileSync(file, "utf8"));
    writeFileSync(file, renderMarkdown(results));
    log(`wrote ${file}`);
  }
}

main().catch(async (error) => {
  process.stderr.write(`bench: ${error?.stack ?? error}\n`);
  await cleanupAll();
  process.exit(1);
});
