// A plain apcupsd NIS client (what apcaccess and Home Assistant's aioapcaccess do): send one
// length-prefixed command, read length-prefixed records until the empty one.
import { connect, type Socket } from "node:net";

export interface NisAnswer {
  readonly records: string[];
  /** The connection closed before the answer ended. */
  readonly closed: boolean;
}

export function nisFrame(text: string): Buffer {
  const body = Buffer.from(text, "latin1");
  return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
}

export function nisConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Reads one answer from the socket (after `bytes` are written), within `timeoutMs`. */
export function nisExchange(socket: Socket, bytes: Buffer, timeoutMs = 5000): Promise<NisAnswer> {
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0);
    const records: string[] = [];
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      resolve({ records, closed });
    };
    const onData = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) return;
        const text = pending.subarray(2, 2 + length).toString("latin1");
        pending = pending.subarray(2 + length);
        if (length === 0) return finish(false);
        records.push(text);
      }
    };
    const onClose = () => finish(true);
    const timer = setTimeout(
      () => reject(new Error(`no NIS answer in ${timeoutMs} ms; got ${records.length} records`)),
      timeoutMs,
    );
    socket.on("data", onData);
    socket.once("close", onClose);
    socket.write(bytes);
  });
}

/** One command over a fresh connection, as apcaccess does it. */
export async function nisRequest(port: number, command: string): Promise<string[]> {
  const socket = await nisConnect(port);
  try {
    return (await nisExchange(socket, nisFrame(command))).records;
  } finally {
    socket.destroy();
  }
}

/** `NAME     : value\n` records as a map of name → value (the value as sent, trailing blanks kept). */
export function nisFields(records: readonly string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of records) {
    const at = line.indexOf(":");
    if (at < 0) continue;
    fields.set(line.slice(0, at).trim(), line.slice(at + 2).replace(/\n$/, ""));
  }
  return fields;
}
