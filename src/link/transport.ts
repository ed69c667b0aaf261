// The one seam where bytes enter and leave: serial, TCP (ser2net) and the in-process simulator all
// implement it, so the session above never knows which it talks to.

export interface TransportEvents {
  /** Bytes from the UPS, in whatever chunks the OS delivers them. */
  data: (chunk: Uint8Array) => void;
  /** The transport closed by itself (unplugged adapter, TCP reset, simulator stopped). */
  close: (error: Error | null) => void;
}

export interface Transport {
  /** Human-readable target, e.g. `/dev/ttyUSB0`, `tcp://10.0.0.5:4001`, `sim://smartups-3g-120`. */
  readonly description: string;
  /** Opens the port; rejects with an UpsLinkError (port_not_found, port_busy, permission_denied, connect_failed). */
  open(): Promise<void>;
  /** Writes bytes; resolves once they are handed to the OS (drained for serial). */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes the port; idempotent. Does not emit `close`. */
  close(): Promise<void>;
  readonly isOpen: boolean;
  /** Releases everything for good (the in-process simulator of `sim://`); after `close`. Optional. */
  dispose?(): Promise<void>;
  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): void;
  off<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): void;
}

/** The cables the contract knows (`ups.cable`). */
export type Cable = "940-0024C" | "940-0095B";
export const CABLES: readonly Cable[] = ["940-0024C", "940-0095B"];
