// apcupsd's NIS framing: 2-byte big-endian length, then the text; requests however the reads split
// them, zero-length messages skipped, an oversize length reported once and nothing after it.
import { describe, expect, it } from "vitest";
import {
  encodeAnswer,
  encodeRecord,
  FrameReader,
  MAX_REQUEST_BYTES,
  parseRequest,
} from "../../src/nis/protocol.js";

const frame = (text: string): Buffer => {
  const body = Buffer.from(text, "latin1");
  return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
};

describe("NIS framing", () => {
  it("reads a request split at every byte", () => {
    const bytes = Buffer.concat([frame("status"), frame("events")]);
    const reader = new FrameReader();
    const got: string[] = [];
    for (const byte of bytes) {
      for (const f of reader.push(Buffer.from([byte]))) {
        expect(f.kind).toBe("request");
        if (f.kind === "request") got.push(f.text);
      }
    }
    expect(got).toEqual(["status", "events"]);
  });

  it("reads several requests from one chunk and keeps a partial one for the next", () => {
    const bytes = Buffer.concat([frame("status"), frame("events"), frame("status")]);
    const reader = new FrameReader();
    const first = reader.push(bytes.subarray(0, bytes.length - 3));
    expect(first).toEqual([
      { kind: "request", text: "status" },
      { kind: "request", text: "events" },
    ]);
    expect(reader.push(bytes.subarray(bytes.length - 3))).toEqual([{ kind: "request", text: "status" }]);
  });

  it("skips zero-length messages", () => {
    const reader = new FrameReader();
    expect(reader.push(Buffer.concat([Buffer.from([0, 0, 0, 0]), frame("status")]))).toEqual([
      { kind: "request", text: "status" },
    ]);
  });

  it("reports a length above the limit once, then reads nothing more", () => {
    const reader = new FrameReader();
    const over = MAX_REQUEST_BYTES + 1;
    expect(reader.push(Buffer.concat([frame("status"), Buffer.from([over >> 8, over & 0xff])]))).toEqual([
      { kind: "request", text: "status" },
      { kind: "oversize", length: over },
    ]);
    expect(reader.push(frame("status"))).toEqual([]);
  });

  it("accepts a request of exactly the limit and reports 0xFFFF as oversize", () => {
    const reader = new FrameReader();
    const longest = "x".repeat(MAX_REQUEST_BYTES);
    expect(reader.push(frame(longest))).toEqual([{ kind: "request", text: longest }]);
    expect(new FrameReader().push(Buffer.from([0xff, 0xff, 0x41]))).toEqual([
      { kind: "oversize", length: 0xffff },
    ]);
  });

  it("never holds more than one request's bytes while waiting for the rest", () => {
    const reader = new FrameReader();
    // A length of MAX_REQUEST_BYTES announced, then fed one byte at a time: no frame until complete.
    expect(reader.push(Buffer.from([MAX_REQUEST_BYTES >> 8, MAX_REQUEST_BYTES & 0xff]))).toEqual([]);
    for (let i = 0; i < MAX_REQUEST_BYTES - 1; i++) expect(reader.push(Buffer.from("y"))).toEqual([]);
    expect(reader.push(Buffer.from("y"))).toEqual([{ kind: "request", text: "y".repeat(MAX_REQUEST_BYTES) }]);
  });

  it("encodes records with their length and ends an answer with an empty one", () => {
    expect([...encodeRecord("STATUS   : ONLINE \n")]).toEqual([
      0,
      19,
      ...Buffer.from("STATUS   : ONLINE \n"),
    ]);
    expect([...encodeAnswer(["a\n", "bc\n"])]).toEqual([0, 2, 0x61, 0x0a, 0, 3, 0x62, 0x63, 0x0a, 0, 0]);
    expect([...encodeAnswer([])]).toEqual([0, 0]);
  });

  it("knows status and events, with a trailing NUL or newline, and nothing else", () => {
    expect(parseRequest("status")).toBe("status");
    expect(parseRequest("status\0")).toBe("status");
    expect(parseRequest("events\n")).toBe("events");
    expect(parseRequest("STATUS")).toBe("unknown");
    expect(parseRequest("statusx")).toBe("unknown");
    expect(parseRequest("\u00ff\u0000rawupsstats")).toBe("unknown");
  });
});
