// Preloaded into `upslink2mqtt simulate` by the benchmark (`node --import <this> dist/main.js simulate
// …`). The simulator and the CLI are unchanged: this wraps the data listeners the CLI registers and
// the unit's `write`, and reports on standard error:
// - `#bench-stamp <char> <t>`: the moment the unit hands an alert byte (`!`, `$`) to the host side;
// - with BENCH_WIRE_LOG=1, `#bench-wire > <hex> <t>` for every byte from the host and
//   `#bench-wire < <hex> <t>` for every chunk to the host.
// <t> is wall-clock milliseconds with microseconds (performance.timeOrigin + performance.now()), the
// same clock the benchmark reads. Alerts go out as one-byte chunks (paced or not); the only other
// one-byte chunks holding these characters are the paced bytes of the `a` reply at start-up, which the
// benchmark skips (it only takes stamps later than its own control line).
import { SmartUpsSimulator } from "../../dist/simulator/simulator.js";

const now = () => performance.timeOrigin + performance.now();
const wireLog = process.env.BENCH_WIRE_LOG === "1";
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const wrappers = new WeakMap();
const { on, off, write } = SmartUpsSimulator.prototype;

SmartUpsSimulator.prototype.on = function stampedOn(event, listener) {
  if (event !== "data") return on.call(this, event, listener);
  const wrapper = (bytes) => {
    const at = now();
    listener(bytes);
    if (bytes.length === 1 && (bytes[0] === 0x21 || bytes[0] === 0x24))
      process.stderr.write(`#bench-stamp ${String.fromCharCode(bytes[0])} ${at.toFixed(3)}\n`);
    if (wireLog) process.stderr.write(`#bench-wire < ${hex(bytes)} ${at.toFixed(3)}\n`);
  };
  wrappers.set(listener, wrapper);
  return on.call(this, event, wrapper);
};

SmartUpsSimulator.prototype.off = function stampedOff(event, listener) {
  return off.call(this, event, wrappers.get(listener) ?? listener);
};

if (wireLog) {
  SmartUpsSimulator.prototype.write = function loggedWrite(bytes) {
    const at = now().toFixed(3);
    for (const byte of bytes)
      process.stderr.write(`#bench-wire > ${byte.toString(16).padStart(2, "0")} ${at}\n`);
    return write.call(this, bytes);
  };
}
