// Whether a transfer is one the bridge's own test caused (issue 12): decided from fresh data only.
// `G` holds the cause of the *last* transfer, so a stored `S` says nothing about a transfer that
// began after it was read; and a commanded test ends when the UPS says so, not after a fixed time.
//
// - Every transfer to battery (a `!`, or a status reading newly showing on battery) opens a new
//   transfer; a `G` reading counts for it only if its read started after the transfer began.
// - A commanded transfer (`W`, `U`, `D`) is running from the command until a status reading shows
//   the UPS back on line after it showed it on battery, or until COMMAND_START_MS pass without the
//   UPS going on battery at all (refused, or a test that does not transfer); a failed command ends
//   it at once.
// - While on battery, the transfer is a test when the fresh `G` says `S`; with no fresh `G` yet
//   (or a UPS without `G`), when a commanded transfer is running. On line, nothing is held back.
// Pure: the caller passes the time.

/** A commanded transfer that has not put the UPS on battery within this long did not transfer. */
export const COMMAND_START_MS = 10_000;

export class TestTransfers {
  private transfer = 0;
  /** The transfer cause read for the current transfer; null until one is read. */
  private freshCause: string | null = null;
  private command: { startedAt: number; sawBattery: boolean } | null = null;

  constructor(private readonly testCause: string) {}

  /** The current transfer's number: pass it back with a `G` reading started now. */
  get epoch(): number {
    return this.transfer;
  }

  /** The UPS went on battery: any transfer cause read so far is the previous transfer's. */
  newTransfer(): void {
    this.transfer++;
    this.freshCause = null;
  }

  /** A `G` reading whose read started at transfer `epochAtStart`. */
  causeRead(cause: string, epochAtStart: number): void {
    if (epochAtStart === this.transfer) this.freshCause = cause;
  }

  /** Whether the fresh cause says test; null when no cause was read for this transfer. */
  get freshVerdict(): boolean | null {
    return this.freshCause === null ? null : this.freshCause === this.testCause;
  }

  commandStarted(now: number): void {
    this.command = { startedAt: now, sawBattery: false };
  }

  commandFailed(): void {
    this.command = null;
  }

  /** A status reading (or an alert's patch of it). */
  observeStatus(onBattery: boolean, onLine: boolean, now: number): void {
    if (this.command === null) return;
    if (onBattery) this.command.sawBattery = true;
    else if (onLine && this.command.sawBattery) this.command = null;
    else if (!this.running(now)) this.command = null;
  }

  /** A commanded transfer of ours is running right now. */
  running(now: number): boolean {
    if (this.command === null) return false;
    return this.command.sawBattery || now - this.command.startedAt <= COMMAND_START_MS;
  }

  /** For `shutdown_recommended`: the battery is carrying the load because of our test. */
  testInduced(onBattery: boolean, now: number): boolean {
    if (!onBattery) return false;
    return this.freshVerdict ?? this.running(now);
  }
}
