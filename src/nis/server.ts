// apcupsd's network information server (NIS, port 3551) for one UPS: `apcaccess` and Home
// Assistant's apcupsd integration send `status` (or `events`) and read records until the empty one.
// Bounded: at most `maxClients` connections, requests of at most MAX_REQUEST_BYTES (a longer length
// closes the connection: the stream cannot be re-synchronised), clients silent for `idleTimeoutS`
// are dropped. Read-only: nothing a client sends reaches the UPS. Knows nothing of MQTT.
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "../log.js";
import { EVENTS } from "../protocol/catalogue/index.js";
import type { UpsModel } from "../ups/model.js";
import { boundAddress, listen } from "../util/listen.js";
import { encodeAnswer, FrameReader, INVALID_COMMAND, parseRequest } from "./protocol.js";
import { apcDate, type NisIdentity, type NisThresholds, statusRecords } from "./status.js";

export interface NisServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); `address()` tells which. */
  readonly port: number;
  readonly model: UpsModel;
  readonly identity: Omit<NisIdentity, "startTime">;
  readonly thresholds: NisThresholds;
  readonly maxClients: number;
  readonly idleTimeoutS: number;
  readonly logger: Logger;
  /** The clock (tests). */
  readonly now?: () => Date;
}

/** Event lines kept for `events` (apcupsd trims its events file to about 10 kB). */
export const MAX_EVENT_LINES = 100;

/**
 * apcupsd's event messages for the alerts the bridge sees, by alert character; a transfer the
 * bridge's own test caused is apcupsd's self-test starting (`!`) and completed (`$`).
 */
const EVENT_MESSAGES: Readonly<Record<string, { readonly message: string; readonly test?: string }>> = {
  "!": { message: "Power failure.", test: "Self-test starting." },
  $: { message: "Power is back. UPS running on mains.", test: "Self-test completed." },
  "%": { message: "Battery power exhausted." },
  "#": { message: "UPS battery must be replaced." },
};

/** The message of an event the model published, by its alert row's character. */
function eventMessage(eventType: string, test: boolean): string | undefined {
  const row = EVENTS.find((event) => event.id === eventType);
  const messages = row === undefined || row.char === null ? undefined : EVENT_MESSAGES[row.char];
  return test ? (messages?.test ?? messages?.message) : messages?.message;
}

export class NisServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly identity: NisIdentity;
  private readonly events: string[] = [];
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly options: NisServerOptions) {
    this.log = options.logger.child({ module: "nis" });
    this.now = options.now ?? (() => new Date());
    this.identity = { ...options.identity, startTime: this.now() };
    const model = options.model;
    const onEvent = (event: { event_type: string; test?: unknown }) => {
      const message = eventMessage(event.event_type, event.test === true);
      if (message !== undefined) this.note(message);
    };
    const onAvailability = (online: boolean) =>
      this.note(online ? "Communications with UPS restored." : "Communications with UPS lost.");
    model.on("event", onEvent);
    model.on("availability", onAvailability);
    this.unsubscribe.push(
      () => model.off("event", onEvent),
      () => model.off("availability", onAvailability),
    );
    this.server = createServer((socket) => this.accept(socket));
    this.server.on("error", (error) => this.log.error({ err: error.message }, "NIS server error"));
  }

  async start(): Promise<void> {
    await listen(this.server, this.options.port, this.options.host);
    const { address, port } = this.address();
    this.log.info({ address, port, ups: this.identity.upsName }, "apcupsd NIS server listening");
  }

  address(): { address: string; port: number } {
    return boundAddress(this.server, this.options.host, this.options.port);
  }

  async stop(): Promise<void> {
    for (const stop of this.unsubscribe) stop();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The `status` answer now. */
  statusRecords(): string[] {
    const model = this.options.model;
    return statusRecords(
      {
        online: model.isOnline,
        values: model.store.snapshot(),
        model: model.caps?.identity.model ?? null,
      },
      this.identity,
      this.options.thresholds,
      // The model's history, kept across restarts (apcupsd's own counters start at zero with it).
      model.history.counters(),
      this.now(),
    );
  }

  /** The `events` answer now: apcupsd's log lines, oldest first. */
  eventRecords(): string[] {
    return [...this.events];
  }

  private note(message: string): void {
    this.events.push(`${apcDate(this.now())}${message}\n`);
    if (this.events.length > MAX_EVENT_LINES) this.events.splice(0, this.events.length - MAX_EVENT_LINES);
  }

  private accept(socket: Socket): void {
    const address = (socket.remoteAddress ?? "unknown").replace(/^::ffff:/, "");
    if (this.sockets.size >= this.options.maxClients) {
      this.log.warn({ address, max: this.options.maxClients }, "NIS client refused: too many connections");
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader();
    socket.setTimeout(this.options.idleTimeoutS * 1000);
    socket.on("timeout", () => {
      this.log.debug({ address }, "NIS client idle: disconnected");
      socket.destroy();
    });
    socket.on("error", (error) => this.log.debug({ address, err: error.message }, "NIS client socket error"));
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("data", (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        if (socket.destroyed) return;
        if (frame.kind === "oversize") {
          this.log.debug({ address, length: frame.length }, "NIS request too long: disconnected");
          socket.destroy();
          return;
        }
        socket.write(this.answer(frame.text));
      }
    });
  }

  private answer(text: string): Buffer {
    try {
      const command = parseRequest(text);
      if (command === "status") return encodeAnswer(this.statusRecords());
      if (command === "events") return encodeAnswer(this.eventRecords());
      return encodeAnswer([INVALID_COMMAND]);
    } catch (error) {
      // A bug in formatting must not take the bridge down: the client gets an empty answer.
      this.log.error({ err: error instanceof Error ? error.message : String(error) }, "NIS request failed");
      return encodeAnswer([]);
    }
  }
}
