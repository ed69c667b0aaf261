// `sim://PROFILE`: an in-process simulated Smart-UPS behind the Transport seam, for tests, the demo
// and trying the bridge without hardware. Bytes are delivered asynchronously, as from a real port.
import { UpsLinkError } from "../protocol/errors.js";
import { isProfileName, PROFILE_NAMES, SmartUpsSimulator } from "../simulator/index.js";
import { TypedEmitter } from "../util/emitter.js";
import type { Transport, TransportEvents } from "./transport.js";

export interface SimTransportOptions {
  /** A profile name (`smartups-3g-120`, …) or a simulator built by the caller. */
  readonly profile?: string;
  readonly simulator?: SmartUpsSimulator;
  /** True 2400 baud pacing and realistic reply latency in the simulator. */
  readonly pacing?: boolean;
}

/** `sim://smartups-3g-120` → `smartups-3g-120`; null when the string is not a sim:// port. */
export function parseSimUrl(url: string): string | null {
  return url.startsWith("sim://") ? url.slice("sim://".length) : null;
}

export class SimTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly description: string;
  /** The simulated unit: tests drive it with `control("power fail")` and read `received`. */
  readonly simulator: SmartUpsSimulator;
  readonly #owned: boolean;
  #open = false;

  readonly #onData = (bytes: Uint8Array): void => {
    const copy = Uint8Array.from(bytes);
    // A real port delivers after the write returns; so does this one.
    queueMicrotask(() => {
      if (this.#open) this.emit("data", copy);
    });
  };

  constructor(options: SimTransportOptions) {
    super();
    if (options.simulator !== undefined) {
      this.simulator = options.simulator;
      this.#owned = false;
    } else {
      const profile = options.profile ?? "";
      if (!isProfileName(profile)) {
        throw new UpsLinkError(
          "config_invalid",
          `Unknown simulator profile '${profile}': use sim:// followed by one of ${PROFILE_NAMES.join(", ")}.`,
          { profile, allowed: [...PROFILE_NAMES] },
        );
      }
      this.simulator = new SmartUpsSimulator(
        options.pacing === undefined ? { profile } : { profile, pacing: options.pacing },
      );
      this.#owned = true;
    }
    this.description = `sim://${this.simulator.profile.name}`;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async open(): Promise<void> {
    if (this.#open) return;
    this.#open = true;
    this.simulator.on("data", this.#onData);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.#open) throw new UpsLinkError("port_closed", `${this.description} is not open.`);
    this.simulator.write(Uint8Array.from(bytes));
  }

  /** Detaches from the simulated unit; the unit keeps running (a UPS does not stop with its cable). */
  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    this.simulator.off("data", this.#onData);
  }

  /** Pulls the cable: detaches and reports the close as a vanished port would (tests, demos). */
  unplug(): void {
    if (!this.#open) return;
    this.#open = false;
    this.simulator.off("data", this.#onData);
    this.emit("close", new UpsLinkError("port_closed", `${this.description} was unplugged.`));
  }

  /** Stops the simulated unit's timers for good when this transport created it. */
  async dispose(): Promise<void> {
    await this.close();
    if (this.#owned) this.simulator.stop();
  }
}
