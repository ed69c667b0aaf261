// The simulator's control language: one line in, one line out. Used by `upslink2mqtt simulate` on
// standard input and by tests. A line it does not understand gets an `error:` answer, never a throw.
import type { SimFaults, SimState } from "./state.js";

export interface ControlTarget {
  readonly state: Readonly<SimState>;
  powerFail(cause: string): void;
  powerRestore(): void;
  setLineVoltage(volts: number): void;
  setCharge(percent: number): void;
  setLoad(percent: number): void;
  setInternalTemp(celsius: number): void;
  setAmbient(celsius: number, humidity: number | null): void;
  setHumidity(percent: number): void;
  setContact(index: number, closed: boolean): void;
  setDip(value: number): void;
  setRegister(name: "8" | "'", value: number): void;
  pressOnButton(): void;
  startSelfTest(): void;
  /** Sends one alert byte the unit declares in `a`; false when it declares no such alert. */
  sendAlert(byte: number): boolean;
  setFault<K extends keyof SimFaults>(key: K, value: SimFaults[K]): void;
  garbageOnce(): void;
}

export const CONTROL_HELP = [
  "power fail [low|high|rate|notch]   utility fails (transfer cause L, H, R or T; default low)",
  "power restore                      utility returns",
  "line VOLTS                         utility voltage (outside the transfer voltages: on battery)",
  "battery PERCENT                    battery charge 0-100",
  "load PERCENT                       load 0-200 (over 100: overload)",
  "temp CELSIUS                       internal temperature",
  "ambient CELSIUS | humidity PERCENT | contact 1-4 open|closed   (Measure-UPS)",
  "dip HEX                            DIP switch register 7 (non-zero locks edits)",
  "register 8|' HEX                   fault bits of the trip registers (announced by ? and =)",
  "button                             the front-panel ON button",
  "selftest                           the unit's own self-test (panel or periodic), announced with !",
  "alert HEX                          one alert byte the unit's `a` declares (e.g. alert 04 on an RT)",
  "silent on|off                      the unit says nothing at all",
  "fault garbage [on|off]             a burst of random bytes (on: every 5 s)",
  "fault na on|off                    NA to every command but Y",
  "fault sm-to-q on|off               SM to Q",
  "fault alert-mid-reply on [CHAR]|off  an alert byte (default |) inside every reply",
  "fault slow MS                      each reply MS milliseconds late (0: off)",
  "fault pacing on|off                true 2400 baud, realistic latency",
  "fault bad-battery on|off           the next self-test fails (BT) and # follows",
  "fault edit-reply off|echo|TEXT     what - on c, x, I answers (NO/NA decline; others: entry still begins)",
  "status                             the state as one JSON line",
  "help                               this text",
].join("\n");

const CAUSES: Readonly<Record<string, string>> = {
  low: "L",
  high: "H",
  rate: "R",
  notch: "T",
  spike: "T",
  l: "L",
  h: "H",
  r: "R",
  t: "T",
};

function onOff(word: string | undefined): boolean | null {
  if (word === "on" || word === "true" || word === "1") return true;
  if (word === "off" || word === "false" || word === "0") return false;
  return null;
}

function number(word: string | undefined, min: number, max: number): number | null {
  if (word === undefined || !/^-?\d+(\.\d+)?$/.test(word)) return null;
  const value = Number.parseFloat(word);
  return value >= min && value <= max ? value : null;
}

function hexByte(word: string | undefined): number | null {
  if (word === undefined || !/^[0-9a-fA-F]{1,2}$/.test(word)) return null;
  return Number.parseInt(word, 16);
}

function fault(target: ControlTarget, args: readonly string[]): string {
  const [name, arg, extra] = args;
  const flag = onOff(arg);
  switch (name) {
    case "garbage":
      if (arg === undefined) {
        target.garbageOnce();
        return "ok: garbage burst sent";
      }
      if (flag === null) return "error: fault garbage [on|off]";
      target.setFault("garbage", flag);
      return `ok: garbage ${arg}`;
    case "na":
    case "sm-to-q":
    case "pacing":
    case "bad-battery": {
      if (flag === null) return `error: fault ${name} on|off`;
      const key = ({ na: "na", "sm-to-q": "smToQ", pacing: "pacing", "bad-battery": "badBattery" } as const)[
        name
      ];
      target.setFault(key, flag);
      return `ok: ${name} ${arg}`;
    }
    case "alert-mid-reply": {
      if (flag === null) return "error: fault alert-mid-reply on [CHAR]|off";
      const char = extra ?? "|";
      if (flag && !"!$%+?=*#|&".includes(char)) return "error: the alert must be one of ! $ % + ? = * # | &";
      target.setFault("alertMidReply", flag ? char : null);
      return `ok: alert-mid-reply ${flag ? char : "off"}`;
    }
    case "slow": {
      const ms = number(arg, 0, 60_000);
      if (ms === null) return "error: fault slow MS (0 to 60000)";
      target.setFault("slowMs", ms);
      return `ok: replies ${ms} ms late`;
    }
    case "edit-reply": {
      if (arg === undefined) return "error: fault edit-reply off|echo|TEXT";
      // Control lines cannot carry CR LF: a reply line is written `OK` and sent with its CR LF.
      const answer = arg === "off" ? null : arg === "echo" ? "echo" : `${args.slice(1).join(" ")}\r\n`;
      target.setFault("editReply", answer === "NO\r\n" ? "NO" : answer === "NA\r\n" ? "NA" : answer);
      return `ok: edit-reply ${arg}`;
    }
    default:
      return "error: unknown fault; try help";
  }
}

/** Runs one control line against the simulator. */
export function runControl(target: ControlTarget, line: string): string {
  const words = line
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0);
  const [verb, ...args] = words.map((word, i) => (i === 0 ? word.toLowerCase() : word));
  const [first, second] = args;
  switch (verb) {
    case undefined:
      return "";
    case "help":
      return CONTROL_HELP.replaceAll("\n", " | ");
    case "status":
      return JSON.stringify(target.state);
    case "power": {
      if (first === "restore") {
        target.powerRestore();
        return "ok: utility present";
      }
      if (first !== "fail") return "error: power fail [low|high|rate|notch] | power restore";
      const cause = second === undefined ? "L" : CAUSES[second.toLowerCase()];
      if (cause === undefined) return "error: the cause is low, high, rate or notch";
      target.powerFail(cause);
      return `ok: utility failed (cause ${cause})`;
    }
    case "line": {
      const volts = number(first, 0, 400);
      if (volts === null) return "error: line VOLTS (0 to 400)";
      target.setLineVoltage(volts);
      return `ok: line ${volts} V`;
    }
    case "battery": {
      const percent = number(first, 0, 100);
      if (percent === null) return "error: battery PERCENT (0 to 100)";
      target.setCharge(percent);
      return `ok: battery ${percent} %`;
    }
    case "load": {
      const percent = number(first, 0, 200);
      if (percent === null) return "error: load PERCENT (0 to 200)";
      target.setLoad(percent);
      return `ok: load ${percent} %`;
    }
    case "temp": {
      const celsius = number(first, -20, 99);
      if (celsius === null) return "error: temp CELSIUS (-20 to 99)";
      target.setInternalTemp(celsius);
      return `ok: internal temperature ${celsius} °C`;
    }
    case "ambient": {
      const celsius = number(first, -20, 99);
      if (celsius === null) return "error: ambient CELSIUS (-20 to 99)";
      target.setAmbient(celsius, null);
      return `ok: ambient ${celsius} °C`;
    }
    case "humidity": {
      const percent = number(first, 0, 100);
      if (percent === null) return "error: humidity PERCENT (0 to 100)";
      target.setHumidity(percent);
      return `ok: humidity ${percent} %`;
    }
    case "contact": {
      const index = number(first, 1, 4);
      if (index === null || !Number.isInteger(index) || (second !== "open" && second !== "closed")) {
        return "error: contact 1-4 open|closed";
      }
      target.setContact(index, second === "closed");
      return `ok: contact ${index} ${second}`;
    }
    case "dip": {
      const value = hexByte(first);
      if (value === null || value > 0x0f) return "error: dip HEX (00 to 0F)";
      target.setDip(value);
      return `ok: dip ${first}`;
    }
    case "register": {
      const value = hexByte(second);
      if ((first !== "8" && first !== "'") || value === null) return "error: register 8|' HEX";
      target.setRegister(first, value);
      return `ok: register ${first} ${second}`;
    }
    case "button":
      target.pressOnButton();
      return "ok: ON button pressed";
    case "selftest":
      target.startSelfTest();
      return "ok: self-test started";
    case "alert": {
      const value = hexByte(first);
      if (value === null) return "error: alert HEX (the alert byte, e.g. 04)";
      if (!target.sendAlert(value)) return `error: this unit declares no alert byte ${first} in its a reply`;
      return `ok: alert ${first} sent`;
    }
    case "silent": {
      const flag = onOff(first);
      if (flag === null) return "error: silent on|off";
      target.setFault("silent", flag);
      return `ok: silent ${first}`;
    }
    case "fault":
      return fault(target, args);
    default:
      return `error: unknown control line '${line.trim()}'; try help`;
  }
}
