// One client connection's side of the NUT network protocol (RFC 9271 §4; NUT docs/net-protocol.txt):
// the words of a request in, the reply lines out. No sockets here: the server feeds it lines and
// writes what it returns, and performs STARTTLS and the close it asks for.
//
// Checks follow upsd's order so real clients see the answers they expect: commands that need a
// user answer USERNAME-REQUIRED / PASSWORD-REQUIRED before anything else; then the UPS name
// (UNKNOWN-UPS), fresh data (DATA-STALE), the variable or command (VAR-/CMD-NOT-SUPPORTED), and the
// user's grant (ACCESS-DENIED).
import type { BridgeEventType } from "../events.js";
import type { Logger } from "../log.js";
import { Timers } from "../util/timers.js";
import { errorReply as err, type NutError, okReply as ok, type Reply } from "./protocol.js";
import { getReply, listReply, type ReadContext } from "./reads.js";
import type { TrackingTable } from "./tracking.js";
import type { NutResult, NutUps } from "./ups.js";
import {
  authenticate,
  mayBePrimary,
  mayLogin,
  mayRaiseFsd,
  mayRunCommand,
  maySet,
  type NutUser,
} from "./users.js";

/** NUT protocol 1.3: PRIMARY, TRACKING and an INSTCMD parameter (RFC 9271 §4.1). */
export const PROTOCOL_VERSION = "1.3";

/** What every command of a client reports to the composition root (published on `<ups>/event`). */
export interface NutClientEvent {
  readonly ups: string;
  readonly event_type: Extract<BridgeEventType, "nut_command" | "nut_logout">;
  readonly user: string | null;
  readonly address: string;
  /** LOGIN, PRIMARY, MASTER, FSD, SET or INSTCMD; LOGOUT or DISCONNECT for `nut_logout`. */
  readonly command: string;
  /** The variable or instant command. */
  readonly name: string | null;
  /** SET's value or INSTCMD's parameter. */
  readonly value: string | null;
  /** `OK`, `PENDING` (tracked, outcome follows) or the error word. */
  readonly result: string;
}

/** The server's shared state a session reads and updates. */
export interface SessionContext {
  readonly upses: ReadonlyMap<string, NutUps>;
  readonly users: readonly NutUser[];
  readonly tlsConfigured: boolean;
  readonly serverVersion: string;
  /** How long a SET or INSTCMD is waited for before `OK` means "accepted" (upsd's meaning of OK). */
  readonly replyWaitMs: number;
  readonly tracking: TrackingTable;
  /** Sessions logged into each UPS (NUMLOGINS, LIST CLIENT, and later shutdown orchestration). */
  readonly sessions: ReadonlySet<Session>;
  report(event: NutClientEvent): void;
  readonly log: Logger;
}

export class Session {
  private username: string | null = null;
  private password: string | null = null;
  private loginUps: string | null = null;
  private primaryOf: string | null = null;
  private trackingOn = false;
  private secure = false;
  /** The wait for a command's reply; cleared when the connection goes away. */
  private readonly timers = new Timers();

  constructor(
    readonly address: string,
    private readonly ctx: SessionContext,
  ) {}

  /** The UPS this client did LOGIN to (upsmon), or null. */
  get loggedInto(): string | null {
    return this.loginUps;
  }

  /** It declared PRIMARY (or MASTER) for the UPS it logged in to. */
  get primary(): boolean {
    return this.loginUps !== null && this.primaryOf === this.loginUps;
  }

  get user(): string | null {
    return this.username;
  }

  get tls(): boolean {
    return this.secure;
  }

  /** The connection went away: a logged-in client counts as logged out. */
  closed(reason: "LOGOUT" | "DISCONNECT"): void {
    if (reason === "DISCONNECT") this.timers.clearAll();
    const ups = this.loginUps;
    if (ups === null) return;
    this.loginUps = null;
    this.ctx.report({
      ups,
      event_type: "nut_logout",
      user: this.username,
      address: this.address,
      command: reason,
      name: null,
      value: null,
      result: "OK",
    });
  }

  markSecure(): void {
    this.secure = true;
  }

  async handle(words: readonly string[]): Promise<Reply> {
    const [verb = "", ...args] = words;
    switch (verb.toUpperCase()) {
      case "VER":
        return args.length === 0
          ? ok(`upslink2mqtt ${this.ctx.serverVersion} - NUT network protocol ${PROTOCOL_VERSION} server`)
          : err("INVALID-ARGUMENT");
      case "NETVER":
      case "PROTVER":
        return args.length === 0 ? ok(PROTOCOL_VERSION) : err("INVALID-ARGUMENT");
      case "HELP":
        return args.length === 0
          ? ok("Commands: HELP VER NETVER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS")
          : err("INVALID-ARGUMENT");
      case "STARTTLS":
        return this.startTls();
      case "USERNAME":
        return this.setCredential("username", args);
      case "PASSWORD":
        return this.setCredential("password", args);
      case "LOGOUT":
        if (args.length !== 0) return err("INVALID-ARGUMENT");
        this.closed("LOGOUT");
        return { lines: ["OK Goodbye"], after: "close" };
      case "GET":
        return getReply(args, this.reads());
      case "LIST":
        return listReply(args, this.reads());
      case "LOGIN":
      case "PRIMARY":
      case "MASTER":
      case "FSD":
      case "SET":
      case "INSTCMD": {
        // upsd's FLAG_USER: these need USERNAME and PASSWORD first.
        if (this.username === null) return err("USERNAME-REQUIRED");
        if (this.password === null) return err("PASSWORD-REQUIRED");
        return this.authenticated(verb.toUpperCase(), args);
      }
      default:
        return err("UNKNOWN-COMMAND");
    }
  }

  private startTls(): Reply {
    if (this.secure) return err("ALREADY-SSL-MODE");
    if (!this.ctx.tlsConfigured) return err("FEATURE-NOT-CONFIGURED");
    return { lines: ["OK STARTTLS"], after: "starttls" };
  }

  private setCredential(which: "username" | "password", args: readonly string[]): Reply {
    const [value] = args;
    if (args.length !== 1 || value === undefined) return err("INVALID-ARGUMENT");
    if (which === "username") {
      if (this.username !== null) return err("ALREADY-SET-USERNAME");
      if (value === "") return err("INVALID-USERNAME");
      this.username = value;
    } else {
      if (this.password !== null) return err("ALREADY-SET-PASSWORD");
      if (value === "") return err("INVALID-PASSWORD");
      this.password = value;
    }
    return ok();
  }

  /** What GET and LIST read of this session and the server. */
  private reads(): ReadContext {
    return {
      upses: this.ctx.upses,
      tracking: this.ctx.tracking,
      trackingOn: this.trackingOn,
      logins: (ups) => this.logins(ups),
    };
  }

  private logins(ups: string): Session[] {
    return [...this.ctx.sessions].filter((s) => s.loggedInto === ups);
  }

  private async authenticated(verb: string, args: readonly string[]): Promise<Reply> {
    const user = authenticate(this.ctx.users, this.username, this.password);
    switch (verb) {
      case "LOGIN": {
        const [name] = args;
        if (args.length !== 1 || name === undefined) return err("INVALID-ARGUMENT");
        if (this.loginUps !== null) return err("ALREADY-LOGGED-IN");
        const ups = this.ctx.upses.get(name);
        if (ups === undefined) return err("UNKNOWN-UPS");
        if (user === null || !mayLogin(user)) return this.refused(ups, verb, null, null);
        this.loginUps = ups.name;
        this.event(ups, verb, null, null, "OK");
        return ok();
      }
      case "PRIMARY":
      case "MASTER": {
        const [name] = args;
        if (args.length !== 1 || name === undefined) return err("INVALID-ARGUMENT");
        const ups = this.ctx.upses.get(name);
        if (ups === undefined) return err("UNKNOWN-UPS");
        if (user === null || !mayBePrimary(user)) return this.refused(ups, verb, null, null);
        this.primaryOf = ups.name;
        this.event(ups, verb, null, null, "OK");
        return ok(`OK ${verb}-GRANTED`);
      }
      case "FSD": {
        const [name] = args;
        if (args.length !== 1 || name === undefined) return err("INVALID-ARGUMENT");
        const ups = this.ctx.upses.get(name);
        if (ups === undefined) return err("UNKNOWN-UPS");
        if (user === null || !mayRaiseFsd(user)) return this.refused(ups, verb, null, null);
        ups.raiseFsd();
        this.ctx.log.warn(
          { ups: ups.name, user: this.username, address: this.address },
          "NUT client raised FSD",
        );
        this.event(ups, verb, null, null, "OK");
        return ok("OK FSD-SET");
      }
      case "SET":
        return this.set(user, args);
      case "INSTCMD":
        return this.instcmd(user, args);
      default:
        return err("UNKNOWN-COMMAND");
    }
  }

  private async set(user: NutUser | null, args: readonly string[]): Promise<Reply> {
    const [what = "", upsName, varName, value] = args;
    if (what.toUpperCase() === "TRACKING") {
      const mode = (upsName ?? "").toUpperCase();
      if (args.length !== 2 || (mode !== "ON" && mode !== "OFF")) return err("INVALID-ARGUMENT");
      this.trackingOn = mode === "ON";
      return ok();
    }
    if (what.toUpperCase() !== "VAR" || args.length !== 4 || upsName === undefined)
      return err("INVALID-ARGUMENT");
    if (varName === undefined || value === undefined) return err("INVALID-ARGUMENT");
    const ups = this.ctx.upses.get(upsName);
    if (ups === undefined) return err("UNKNOWN-UPS");
    const vars = ups.variables();
    if (vars === null) return err("DATA-STALE");
    if (user === null || !maySet(user)) return this.refused(ups, "SET", varName, value);
    const variable = vars.get(varName);
    if (variable === undefined) return this.answer(ups, "SET", varName, value, err("VAR-NOT-SUPPORTED"));
    return this.carryOut(ups, "SET", varName, value, () => ups.setVariable(variable, value));
  }

  private async instcmd(user: NutUser | null, args: readonly string[]): Promise<Reply> {
    const [upsName, cmdName, param] = args;
    if (upsName === undefined || cmdName === undefined || args.length > 3) return err("INVALID-ARGUMENT");
    const ups = this.ctx.upses.get(upsName);
    if (ups === undefined) return err("UNKNOWN-UPS");
    if (ups.variables() === null) return err("DATA-STALE");
    const command = ups.commandList().find((c) => c.nut === cmdName.toLowerCase());
    if (command === undefined)
      return this.answer(ups, "INSTCMD", cmdName, param ?? null, err("CMD-NOT-SUPPORTED"));
    if (user === null || !mayRunCommand(user, command.nut, command.destructive))
      return this.refused(ups, "INSTCMD", command.nut, param ?? null);
    return this.carryOut(ups, "INSTCMD", command.nut, param ?? null, () =>
      ups.runCommand(command, param ?? null),
    );
  }

  /**
   * Runs a SET or INSTCMD. With TRACKING on, answers `OK TRACKING <id>` at once (GET TRACKING tells
   * the outcome); otherwise waits for the outcome up to `replyWaitMs`, then answers OK as upsd does
   * ("accepted"), and the outcome goes to the event and the log when it comes.
   */
  private async carryOut(
    ups: NutUps,
    command: string,
    name: string,
    value: string | null,
    run: () => Promise<NutResult>,
  ): Promise<Reply> {
    const outcome = run().catch(
      (error: unknown): NutResult => ({
        ok: false,
        error: command === "SET" ? "SET-FAILED" : "INSTCMD-FAILED",
        detail: error instanceof Error ? error.message : String(error),
      }),
    );
    const finish = (result: NutResult): string => {
      const word = result.ok ? "OK" : result.error;
      this.ctx.log.info(
        {
          ups: ups.name,
          user: this.username,
          address: this.address,
          command,
          name,
          result: word,
          detail: result.detail,
        },
        "NUT client command",
      );
      this.event(ups, command, name, value, word);
      return word;
    };
    if (this.trackingOn) {
      const id = this.ctx.tracking.add();
      void outcome.then((result) => this.ctx.tracking.settle(id, finish(result), result.ok));
      return ok(`OK TRACKING ${id}`);
    }
    if (!(await this.timers.within(outcome, this.ctx.replyWaitMs))) {
      void outcome.then(finish);
      return ok();
    }
    const first = await outcome;
    const word = finish(first);
    return first.ok ? ok() : err(word as NutError);
  }

  private refused(ups: NutUps, command: string, name: string | null, value: string | null): Reply {
    this.ctx.log.warn(
      { ups: ups.name, user: this.username, address: this.address, command, name },
      "NUT client refused: ACCESS-DENIED",
    );
    return this.answer(ups, command, name, value, err("ACCESS-DENIED"));
  }

  /** Reports a command that ends in a fixed reply (refusals, unknown names). */
  private answer(
    ups: NutUps,
    command: string,
    name: string | null,
    value: string | null,
    reply: Reply,
  ): Reply {
    this.event(ups, command, name, value, (reply.lines[0] ?? "").replace(/^ERR /, ""));
    return reply;
  }

  private event(
    ups: NutUps,
    command: string,
    name: string | null,
    value: string | null,
    result: string,
  ): void {
    this.ctx.report({
      ups: ups.name,
      event_type: "nut_command",
      user: this.username,
      address: this.address,
      command,
      name,
      value,
      result,
    });
  }
}
