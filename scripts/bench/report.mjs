// Turns the benchmark results into the console summary and docs/BENCHMARKS.md.
import { fmt } from "./lib.mjs";

const ms = (s) => `${fmt(s.median, 1)} / ${fmt(s.p99, 1)}`;
const verdict = (ok) => (ok ? "met" : "**missed**");

/** Rows of the short table for the README: [figure, result, target]. */
function headline(r) {
  const rows = [];
  if (r.latencyPty) {
    const f = r.latencyPty.fail.ob;
    rows.push([
      "Power failure → `on_battery_mode` at a subscriber (pty, child processes)",
      `median ${fmt(f.median, 1)} ms, p99 ${fmt(f.p99, 1)} ms`,
      `< 20 ms median: ${verdict(f.median < 20)}`,
    ]);
  }
  if (r.latencyInProcess) {
    const f = r.latencyInProcess.fail.ob;
    rows.push([
      "Same, in-process over sim://",
      `median ${fmt(f.median, 1)} ms, p99 ${fmt(f.p99, 1)} ms`,
      `< 20 ms median: ${verdict(f.median < 20)}`,
    ]);
  }
  if (r.cyclePty) {
    const c = r.cyclePty;
    rows.push([
      `Fast-tier poll cycle at 2400 baud (${c.requests} queries, pty)`,
      `${fmt(c.measured.median, 0)} ms vs wire floor ${fmt(c.wireFloor.median, 0)} ms (×${fmt(c.ratioWire.median, 2)}); bridge's own share ${fmt(c.turnaround.median, 1)} ms`,
      `within 15 % of the floor: ${verdict(c.ratioWire.median <= 1.15)}${c.ratioWire.median < 1 ? " (under it: see the cycle section)" : ""}`,
    ]);
  }
  for (const res of r.resources ?? []) {
    rows.push([
      `Bridge process, ${res.count} UPS${res.count === 1 ? "" : "es"} (tcp://, 2 s poll)`,
      `RSS ${fmt(res.rssMb.median, 0)} MB, CPU ${fmt(res.cpuPercent, 1)} %, ${fmt(res.perMinute, 0)} msg/min`,
      res.count === 1 ? `< 80 MB RSS: ${verdict(res.rssMb.max < 80)}` : "—",
    ]);
  }
  if (r.nut && !r.nut.skipped) {
    rows.push([
      "Power failure → visible: NUT apcsmart+upsd (`OB`) vs the bridge (MQTT)",
      `NUT median ${fmt(r.nut.nut.fail.median, 0)} ms, bridge ${fmt(r.nut.bridge.fail.median, 1)} ms (×${fmt(r.nut.ratioFail, 0)})`,
      "—",
    ]);
    if (r.nut.bridgeNut) {
      rows.push([
        "Power failure → `OB` at a NUT client (GET VAR): NUT apcsmart+upsd vs the bridge's NUT server",
        `NUT median ${fmt(r.nut.nut.fail.median, 0)} ms (max ${fmt(r.nut.nut.fail.max, 0)}), bridge ${fmt(r.nut.bridgeNut.fail.median, 0)} ms (max ${fmt(r.nut.bridgeNut.fail.max, 0)})`,
        "—",
      ]);
    }
  }
  return rows;
}

function table(header, rows) {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

export function renderSummary(r) {
  const lines = ["", "upslink2mqtt benchmarks", "========================"];
  for (const [what, result, target] of headline(r)) lines.push(`- ${what}: ${result}  [${target}]`);
  if (r.latencyPty) {
    const l = r.latencyPty;
    lines.push(
      `  pty detail (ms, median / p99): fail event ${ms(l.fail.event)}, on_battery ${ms(l.fail.ob)}; restore event ${ms(l.restore.event)}, on_battery=false ${ms(l.restore.ob)}`,
    );
  }
  if (r.resources?.length) {
    for (const res of r.resources) {
      lines.push(
        `  ${res.count} UPS: RSS median ${fmt(res.rssMb.median)} MB (max ${fmt(res.rssMb.max)}, peak ${fmt(res.hwmMb)}), CPU ${fmt(res.cpuPercent, 2)} % of one core, ${fmt(res.perMinutePerUps, 1)} msg/min per UPS; simulators ${fmt(res.farmCpuPercent, 1)} % CPU`,
      );
    }
  }
  lines.push(`(${fmt(r.minutes, 1)} min; Node ${r.machine.node}; ${r.machine.cpu})`);
  return lines.join("\n");
}

function latencySection(title, l, how) {
  const row = (label, s) => [label, fmt(s.median, 2), fmt(s.p90, 2), fmt(s.p99, 2), fmt(s.max, 2)];
  return [
    `### ${title}`,
    "",
    how,
    "",
    table(
      ["from the alert byte to …", "median ms", "p90 ms", "p99 ms", "max ms"],
      [
        row("`event` line_fail", l.fail.event),
        row("`on_battery_mode` = true", l.fail.ob),
        row("`event` return_from_line_fail", l.restore.event),
        row("`on_battery_mode` = false", l.restore.ob),
      ],
    ),
    "",
    `${l.cycles} cycles. For reference, control line → alert byte inside the simulator: median ${fmt(l.fail.trigger.median, 2)} ms (not part of the figures above).`,
    "",
  ].join("\n");
}

function cycleSection(title, c) {
  return [
    `### ${title}`,
    "",
    table(
      ["", "median", "min", "max"],
      [
        ["measured cycle (ms)", fmt(c.measured.median, 1), fmt(c.measured.min, 1), fmt(c.measured.max, 1)],
        ["wire floor (ms)", fmt(c.wireFloor.median, 1), fmt(c.wireFloor.min, 1), fmt(c.wireFloor.max, 1)],
        ["simulator floor (ms)", fmt(c.simFloor.median, 1), fmt(c.simFloor.min, 1), fmt(c.simFloor.max, 1)],
        [
          "measured / wire floor",
          fmt(c.ratioWire.median, 3),
          fmt(c.ratioWire.min, 3),
          fmt(c.ratioWire.max, 3),
        ],
        [
          "measured / simulator floor",
          fmt(c.ratioSim.median, 3),
          fmt(c.ratioSim.min, 3),
          fmt(c.ratioSim.max, 3),
        ],
        [
          "bridge turnaround per cycle (ms)",
          fmt(c.turnaround.median, 2),
          fmt(c.turnaround.min, 2),
          fmt(c.turnaround.max, 2),
        ],
        [
          "bridge turnaround per request (ms, p99)",
          `${fmt(c.perRequestTurnaround.median, 2)} (${fmt(c.perRequestTurnaround.p99, 2)})`,
          fmt(c.perRequestTurnaround.min, 2),
          fmt(c.perRequestTurnaround.max, 2),
        ],
        [
          "request → first reply byte (ms)",
          fmt(c.firstByteLatency.median, 1),
          fmt(c.firstByteLatency.min, 1),
          fmt(c.firstByteLatency.max, 1),
        ],
      ],
    ),
    "",
    `${c.cycles} undisturbed cycles of ${c.requests} requests, ${fmt(c.replyBytes.median, 0)} reply bytes each.`,
    "",
  ].join("\n");
}

const SOAK_PLACEHOLDER =
  "`npm run soak` (scripts/soak.mjs): the bridge in-process from dist/ at full speed for 100,000 fast-tier polls (`--polls N`); `npm run soak -- --write` records its figures here (`npm run bench` keeps them).";

/** The soak section: kept from the previous file (scripts/soak.mjs --write fills it). */
function soakSection(previous) {
  return ["## Memory soak", "", previous?.trim() || SOAK_PLACEHOLDER, ""];
}

/** The body of the "Memory soak" section of an existing docs/BENCHMARKS.md, if any. */
export function previousSoak(doc) {
  const start = doc.indexOf("## Memory soak");
  const end = doc.indexOf("## Commands");
  if (start < 0 || end < start) return null;
  return doc.slice(start + "## Memory soak".length, end);
}

export function renderMarkdown(r) {
  const m = r.machine;
  const out = [
    "# Benchmarks",
    "",
    "Measured by `npm run bench` (scripts/bench.mjs); written by it, do not edit by hand. The memory soak is",
    "`npm run soak` (scripts/soak.mjs); its figures are in the last section. Benchmarks are scripts, not",
    "tests: nothing in the test suite depends on timing.",
    "",
    "## Machine and run",
    "",
    table(
      ["", ""],
      [
        ["date", `${r.started} (${fmt(r.minutes, 1)} min)`],
        ["CPU", m.cpu],
        ["memory", `${fmt(m.memoryGb, 0)} GiB`],
        ["OS", `${m.os}, kernel ${m.kernel}`],
        ["Node.js", m.node],
        ["broker", m.mosquitto],
        ["commit", m.commit],
        ["load average at start", m.loadavg],
        ["command", `\`npm run bench${r.flags.quick ? " -- --quick" : ""}\``],
      ],
    ),
    "",
    "The machine is shared (other jobs may run on it), so single figures are noisy: medians and ratios",
    "are more telling than maxima.",
    "",
    "## Summary",
    "",
    table(["figure", "result", "target"], headline(r)),
    "",
  ];
  if (r.latencyPty || r.latencyInProcess) {
    out.push(
      "## Alert latency (issues 4 and 7)",
      "",
      "Power-fail / restore cycles, a random 100–500 ms pause between steps so alerts land in every phase",
      "of the poll cycle (mid-reply, between requests, idle). Time runs from the moment the simulated unit",
      "hands the `!` (or `$`) byte to the host side to the moment a subscriber on this machine receives",
      "the message; every process reads the same clock (`performance.timeOrigin + performance.now()`).",
      "",
    );
    if (r.latencyPty) {
      out.push(
        latencySection(
          "Child processes over a pseudo-terminal",
          r.latencyPty,
          "`upslink2mqtt simulate --pty LINK --pacing` (2400 baud, reply latency derived from the reply length), the bridge as `node dist/main.js run --config FILE` on LINK (default 2 s poll), mosquitto, a subscriber in the benchmark process. The alert byte is stamped by scripts/bench/stamp-alerts.mjs, preloaded into the simulate process with `node --import`: it wraps the simulator's data listeners (the CLI and simulator code are unchanged).",
        ),
      );
    }
    if (r.latencyInProcess) {
      out.push(
        latencySection(
          "In-process over sim://",
          r.latencyInProcess,
          "The same bridge classes from dist/ (Bridge, LinkSession, SimTransport, MqttConnection) in the benchmark process, on a simulator the benchmark owns (pacing on); the alert byte is stamped by the simulator's data event. Same broker.",
        ),
      );
    }
  }
  if (r.cycleInProcess || r.cyclePty) {
    out.push(
      "## Fast-tier poll cycle versus the 2400-baud wire floor (issue 4)",
      "",
      `Fast tier of the smartups-3g-120 profile, in order: ${r.fastTier.map((id) => `\`${id}\``).join(", ")}. Simulator pacing on, poll interval at its minimum (250 ms) so cycles come often; a cycle runs from the first request byte to the last byte of the last reply, and only cycles with exactly these requests (no alert, no other tier) count.`,
      "",
      "- **wire floor** = (request bytes + reply bytes) × 10 bits / 2400 bit/s + the simulator's reply latency for each request, as observed (request byte received → first reply character handed over; the host can only wait for it, and the simulator derives it from the reply length in src/simulator/output.ts): what a real half-duplex exchange on an RS-232 line at 2400 8N1 with the same latencies costs.",
      "- **simulator floor** = per request, the same latency + k × 4.167 ms, k the position of the reply character the host acts on (CR, or `:` for `j`; the final LF for the last request). The simulator does not clock the host's request byte, hands each character over at the start of its 10 bit-times, and the bridge sends the next request as soon as the reply is framed (at CR) while the LF is still coming. That is three characters (12.5 ms) per request a real line would charge and the simulator does not, so on the simulator a cycle comes in *under* the wire floor; the target (within 15 % of the floor) is read as \"no more than 15 % over it\", and the bridge's own share is the turnaround below.",
      "- **bridge turnaround** = Σ (next request sent − the reply byte just before it received): the time the bridge itself adds.",
      "",
    );
    if (r.cyclePty)
      out.push(cycleSection("Child processes over a pseudo-terminal (real serial I/O)", r.cyclePty));
    if (r.cycleInProcess) out.push(cycleSection("In-process over sim://", r.cycleInProcess));
    out.push(
      "Note: the fast tier is read every `poll_interval_ms` *after* the previous read finished (src/ups/model.ts `every()`), so with pacing the real period is poll interval + cycle (about 2 s + 1.1 s with the default).",
      "",
    );
  }
  if (r.resources?.length) {
    out.push(
      "## CPU, memory and messages (issues 4 and 7)",
      "",
      "The bridge as `node dist/main.js run --config FILE`, one `ups` entry per simulated unit (`tcp://127.0.0.1:PORT`), default settings (2 s poll, QoS 1, discovery on). The units are simulators with pacing on, one TCP port each, in a separate process (scripts/bench/sim-farm.mjs). After every UPS has been read once and a warm-up, /proc/PID/stat and /proc/PID/status of the bridge are sampled every second; messages are everything the bridge published in the window (counted by a subscriber to `<base>/#` and the discovery prefix).",
      "",
      table(
        [
          "UPSes",
          "RSS median MB",
          "RSS max MB",
          "peak (VmHWM) MB",
          "CPU % of one core",
          "msg/min",
          "msg/min per UPS",
          "simulators' CPU %",
          "ready after s",
        ],
        r.resources.map((res) => [
          res.count,
          fmt(res.rssMb.median),
          fmt(res.rssMb.max),
          fmt(res.hwmMb),
          fmt(res.cpuPercent, 2),
          fmt(res.perMinute, 0),
          fmt(res.perMinutePerUps, 1),
          fmt(res.farmCpuPercent, 1),
          fmt(res.readyS, 1),
        ]),
      ),
      "",
      ...r.resources.map((res) =>
        res.messages === 0
          ? `- ${res.count} UPS, ${fmt(res.windowS, 0)} s window: nothing was published (no value changed).`
          : `- ${res.count} UPS, ${fmt(res.windowS, 0)} s window, messages per minute by kind: ${Object.entries(
              res.byKind,
            )
              .map(([k, v]) => `${k} ${fmt(v, 1)}`)
              .join(
                ", ",
              )}; busiest topics: ${res.topKeys.map(([k, v]) => `\`${k}\` ${fmt(v, 1)}`).join(", ")}.`,
      ),
      "",
      ...(r.rssBaselines
        ? [
            `For scale, on this machine: a bare \`node\` process has ${fmt(r.rssBaselines.emptyNodeMb)} MB RSS; with the bridge's modules loaded (run, MQTT, serial, TCP) and nothing running, ${fmt(r.rssBaselines.modulesLoadedMb)} MB. The rest of the 1-UPS figure is V8's heap at work: its young generation (semi-spaces) alone is sized in tens of MB by default.`,
            "",
          ]
        : []),
      "Publish on change: a key goes out when its value changes (the simulator's physics moves readings every second), plus one `state` JSON per change burst. The full refresh every `mqtt.refresh_interval_s` (300 s by default) is outside these windows and adds one message per key per UPS every 5 minutes.",
      "",
    );
  }
  if (r.nut) {
    out.push("## Side by side with NUT (issue 7)", "");
    if (r.nut.skipped) out.push(`Skipped: ${r.nut.skipped}.`, "");
    else {
      const n = r.nut;
      out.push(
        "NUT 2.8 from Debian (`/lib/nut/apcsmart` driver, `/lib/nut/upsd`, default 2 s poll) and the bridge, each on its own `upslink2mqtt simulate --pty --pacing` unit; every power failure and restore is fired at both units in the same instant, after a random 0.3–2.3 s pause. NUT: time from the alert byte to `OB` (or `OL`) in `ups.status` as upsd serves it, asked every 20 ms over upsd's TCP protocol with the `GET VAR` request `upsc` sends (no process spawn per poll, so the 20 ms resolution is not blurred). Bridge: time from the alert byte to `on_battery_mode` at a subscriber.",
        "",
        table(
          [
            "",
            "NUT median ms",
            "NUT p90 ms",
            "NUT max ms",
            "bridge median ms",
            "bridge max ms",
            "NUT / bridge (medians)",
          ],
          [
            [
              "power failure (`OB`)",
              fmt(n.nut.fail.median, 0),
              fmt(n.nut.fail.p90, 0),
              fmt(n.nut.fail.max, 0),
              fmt(n.bridge.fail.median, 1),
              fmt(n.bridge.fail.max, 1),
              `×${fmt(n.ratioFail, 0)}`,
            ],
            [
              "power restored (`OL`)",
              fmt(n.nut.restore.median, 0),
              fmt(n.nut.restore.p90, 0),
              fmt(n.nut.restore.max, 0),
              fmt(n.bridge.restore.median, 1),
              fmt(n.bridge.restore.max, 1),
              `×${fmt(n.ratioRestore, 0)}`,
            ],
          ],
        ),
        "",
        `${n.cycles} cycles. NUT's figure includes up to 20 ms of polling resolution and upsd's hand-over from the driver. When apcsmart's reaction waits for its next status poll (every 2 s), the delay spreads over the poll interval: compare the medians with the p90 and max columns.`,
        "",
        ...(n.bridgeNut === undefined
          ? []
          : [
              "The same NUT client, on a kept connection asking every 20 ms, against the bridge's own NUT server (`nut.listen`, issue 16) in the same run:",
              "",
              table(
                [
                  "",
                  "NUT upsd median ms",
                  "NUT upsd max ms",
                  "bridge NUT server median ms",
                  "bridge NUT server p90 ms",
                  "bridge NUT server max ms",
                  "NUT / bridge (medians)",
                ],
                [
                  [
                    "power failure (`OB`)",
                    fmt(n.nut.fail.median, 0),
                    fmt(n.nut.fail.max, 0),
                    fmt(n.bridgeNut.fail.median, 1),
                    fmt(n.bridgeNut.fail.p90, 1),
                    fmt(n.bridgeNut.fail.max, 1),
                    `×${fmt(n.ratioNutFail, 0)}`,
                  ],
                  [
                    "power restored (`OL`)",
                    fmt(n.nut.restore.median, 0),
                    fmt(n.nut.restore.max, 0),
                    fmt(n.bridgeNut.restore.median, 1),
                    fmt(n.bridgeNut.restore.p90, 1),
                    fmt(n.bridgeNut.restore.max, 1),
                    `×${fmt(n.ratioNutRestore, 0)}`,
                  ],
                ],
              ),
              "",
              "The bridge's NUT server answers from the live model state, so its figure is the alert's trip through the link and the model plus the client's polling resolution (up to 20 ms, about 10 ms on average): the poller's interval does not enter it.",
              "",
            ]),
      );
    }
  }
  out.push(
    ...soakSection(r.soakSection),
    "## Commands",
    "",
    "```",
    "npm run bench                      # everything, about 8 minutes; writes this file",
    "npm run bench -- --quick           # a smoke run, about 3 minutes",
    "npm run bench -- --only latency --cycles 1000",
    "npm run bench -- --only resources --upses 100 --window 300",
    "npm run bench -- --only nut --nut-cycles 50",
    "npm run bench -- --no-write        # print only",
    "npm run soak -- --polls 1000000    # longer soak",
    "```",
    "",
  );
  return out.join("\n");
}
