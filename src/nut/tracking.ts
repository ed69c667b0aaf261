// Outcomes of tracked SET and INSTCMD requests, shared by every session of the server.
import { randomUUID } from "node:crypto";

/**
 * Outcomes of tracked SET and INSTCMD requests (RFC 9271 §4.1.7), shared by all sessions as in upsd.
 * Bounded: the oldest entries go first.
 */
export class TrackingTable {
  private readonly entries = new Map<string, string>();

  constructor(private readonly limit = 256) {}

  add(): string {
    const id = randomUUID();
    this.entries.set(id, "PENDING");
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return id;
  }

  settle(id: string, word: string, success: boolean): void {
    if (!this.entries.has(id)) return;
    this.entries.set(
      id,
      success
        ? "SUCCESS"
        : word === "INVALID-ARGUMENT" || word === "INVALID-VALUE"
          ? "ERR INVALID-ARGUMENT"
          : "ERR FAILED",
    );
  }

  status(id: string): string {
    return this.entries.get(id) ?? "ERR UNKNOWN";
  }
}
