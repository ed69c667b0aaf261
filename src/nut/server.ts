// The NUT network server (RFC 9271): a TCP listener, one Session per client, STARTTLS when a
// certificate and key are configured. Bounded: at most `maxClients` connections, request lines of
// at most MAX_LINE_BYTES, a few queued requests per client, and clients silent for
// `idleTimeoutS` are dropped (upsd drops them after 60 s). A line it cannot read gets an ERR.
// Knows nothing of MQTT: every client command is handed to `onEvent`.
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import type { Logger } from "../log.js";
import { TypedEmitter } from "../util/emitter.js";
import { boundAddress, listen } from "../util/listen.js";
import type { Reply } from "./protocol.js";
import { errorLine, LineSplitter, MAX_LINE_BYTES, parseLine } from "./protocol.js";
import { type NutClientEvent, Session, type SessionContext } from "./session.js";
import { TrackingTable } from "./tracking.js";
import type { NutUps } from "./ups.js";
import type { NutUser } from "./users.js";

export interface NutServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); `address()` tells which. */
  readonly port: number;
  readonly upses: readonly NutUps[];
  readonly users: readonly NutUser[];
  /** PEM certificate and key for STARTTLS; null answers STARTTLS with FEATURE-NOT-CONFIGURED. */
  readonly tls: { readonly cert: string | Buffer; readonly key: string | Buffer } | null;
  readonly maxClients: number;
  readonly idleTimeoutS: number;
  readonly serverVersion: string;
  readonly logger: Logger;
  /** How long a SET or INSTCMD is awaited before OK means "accepted"; below NUT clients' 5 s timeout. */
  readonly replyWaitMs?: number;
}

export interface NutServerEvents {
  event: (event: NutClientEvent) => void;
}

/** Requests a client may have waiting behind a slow one (a SET steps a ring for seconds). */
const MAX_QUEUED_LINES = 64;

interface Client {
  readonly session: Session;
  socket: Socket;
  readonly splitter: LineSplitter;
  queue: Promise<void>;
  queued: number;
  closing: boolean;
}

export class NutServer extends TypedEmitter<NutServerEvents> {
  private readonly server: Server;
  private readonly clients = new Set<Client>();
  private readonly sessions = new Set<Session>();
  private readonly context: SessionContext;
  private readonly secureContext: SecureContext | null;
  private readonly log: Logger;

  constructor(private readonly options: NutServerOptions) {
    super();
    this.log = options.logger.child({ module: "nut" });
    this.secureContext =
      options.tls === null ? null : createSecureContext({ cert: options.tls.cert, key: options.tls.key });
    this.context = {
      upses: new Map(options.upses.map((ups) => [ups.name, ups])),
      users: options.users,
      tlsConfigured: this.secureContext !== null,
      serverVersion: options.serverVersion,
      replyWaitMs: options.replyWaitMs ?? 4000,
      tracking: new TrackingTable(),
      sessions: this.sessions,
      report: (event) => this.emit("event", event),
      log: this.log,
    };
    this.server = createServer((socket) => this.accept(socket));
    this.server.on("error", (error) => this.log.error({ err: error.message }, "NUT server error"));
  }

  async start(): Promise<void> {
    await listen(this.server, this.options.port, this.options.host);
    const { address, port } = this.address();
    this.log.info(
      { address, port, upses: this.options.upses.map((u) => u.name), tls: this.secureContext !== null },
      "NUT server listening",
    );
  }

  address(): { address: string; port: number } {
    return boundAddress(this.server, this.options.host, this.options.port);
  }

  /** Sessions logged into a UPS (upsmon clients), for NUMLOGINS and shutdown orchestration. */
  loggedIn(ups: string): { user: string | null; address: string; primary: boolean }[] {
    return [...this.sessions]
      .filter((s) => s.loggedInto === ups)
      .map((s) => ({ user: s.user, address: s.address, primary: s.primary }));
  }

  /** The NUT UPS of a UPS id (its FSD latch, for shutdown orchestration). */
  ups(name: string): NutUps | undefined {
    return this.context.upses.get(name);
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const address = (socket.remoteAddress ?? "unknown").replace(/^::ffff:/, "");
    if (this.clients.size >= this.options.maxClients) {
      this.log.warn({ address, max: this.options.maxClients }, "NUT client refused: too many connections");
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const session = new Session(address, this.context);
    const client: Client = {
      session,
      socket,
      splitter: new LineSplitter(MAX_LINE_BYTES),
      queue: Promise.resolve(),
      queued: 0,
      closing: false,
    };
    this.clients.add(client);
    this.sessions.add(session);
    this.log.debug({ address }, "NUT client connected");
    this.attach(client, socket);
  }

  /** Reads requests from the socket (the plain one, then the TLS one after STARTTLS). */
  private attach(client: Client, socket: Socket): void {
    client.socket = socket;
    socket.setTimeout(this.options.idleTimeoutS * 1000);
    socket.on("timeout", () => {
      this.log.debug({ address: client.session.address }, "NUT client idle: disconnected");
      socket.destroy();
    });
    socket.on("data", (chunk: Buffer) => this.receive(client, socket, chunk));
    socket.on("error", (error) =>
      this.log.debug({ address: client.session.address, err: error.message }, "NUT client socket error"),
    );
    socket.on("close", () => this.drop(client, socket));
  }

  private receive(client: Client, socket: Socket, chunk: Buffer): void {
    if (client.socket !== socket || client.closing) return;
    for (const event of client.splitter.push(chunk)) {
      if (client.queued >= MAX_QUEUED_LINES) {
        this.log.warn(
          { address: client.session.address },
          "NUT client sent too many requests at once: disconnected",
        );
        client.closing = true;
        socket.destroy();
        return;
      }
      client.queued++;
      client.queue = client.queue.then(async () => {
        try {
          if (client.socket !== socket || client.closing) return;
          const reply: Reply =
            event.kind === "overflow"
              ? { lines: [errorLine("INVALID-ARGUMENT")] }
              : await this.answer(client, event.text);
          this.write(client, socket, reply);
        } catch (error) {
          this.log.error(
            { err: error instanceof Error ? error.message : String(error) },
            "NUT request failed",
          );
          this.write(client, socket, { lines: [errorLine("INVALID-ARGUMENT")] });
        } finally {
          client.queued--;
        }
      });
    }
  }

  private async answer(client: Client, line: string): Promise<Reply> {
    const parsed = parseLine(line);
    if (!parsed.ok) {
      this.log.debug({ address: client.session.address, reason: parsed.reason }, "NUT request unreadable");
      return { lines: [errorLine(parsed.error)] };
    }
    // An empty line is no request; upsd ignores it too.
    if (parsed.words.length === 0) return { lines: [] };
    return client.session.handle(parsed.words);
  }

  private write(client: Client, socket: Socket, reply: Reply): void {
    if (client.socket !== socket || socket.destroyed) return;
    if (reply.lines.length > 0) socket.write(`${reply.lines.join("\n")}\n`);
    if (reply.after === "close") {
      client.closing = true;
      socket.end();
    } else if (reply.after === "starttls") {
      this.upgrade(client, socket);
    }
  }

  /**
   * After `OK STARTTLS` the same connection carries TLS. Anything the client sent after STARTTLS in
   * plain text is dropped (a request injected before the handshake must not run as if encrypted).
   */
  private upgrade(client: Client, socket: Socket): void {
    const context = this.secureContext;
    if (context === null) return;
    socket.removeAllListeners("data");
    socket.removeAllListeners("timeout");
    socket.removeAllListeners("close");
    socket.setTimeout(0);
    // Bytes already read past STARTTLS were plain text: a partial line is discarded here, whole
    // lines queued behind STARTTLS are skipped because they belong to the plain socket.
    client.splitter.push(Buffer.from("\n"));
    client.session.markSecure();
    const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
    secure.on("secure", () =>
      this.log.debug({ address: client.session.address }, "NUT client switched to TLS"),
    );
    this.attach(client, secure);
  }

  private drop(client: Client, socket: Socket): void {
    if (client.socket !== socket) return;
    this.clients.delete(client);
    this.sessions.delete(client.session);
    client.session.closed("DISCONNECT");
    this.log.debug({ address: client.session.address }, "NUT client disconnected");
  }
}
