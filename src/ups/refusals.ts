// Availability beyond the link (issue 17): a UPS that answers every query with a refusal (`NA`,
// `SM`) for REFUSAL_CYCLES_OFFLINE fast poll cycles gives no values, so its frozen ones are
// published `offline` until a query gives a value again. A unit that is asleep or off may refuse
// queries: that is expected. A UPS that falls silent is the link's to report (it counts timeouts).

/** Fast poll cycles in a row in which no query gave a value before the UPS is published offline. */
export const REFUSAL_CYCLES_OFFLINE = 5;

export class RefusalTracker {
  /** Queries that gave a value (a reply in the query's format): the UPS is answering. */
  private answerCount = 0;
  /** Fast poll cycles in a row without one. */
  private cycles = 0;
  private refusingNow = false;

  /** The link is up but the UPS only refuses: published as offline. */
  get refusing(): boolean {
    return this.refusingNow;
  }

  get answers(): number {
    return this.answerCount;
  }

  /** How many cycles in a row gave no value. */
  get refusalCycles(): number {
    return this.cycles;
  }

  /** A new connection: nothing counted yet. */
  reset(): void {
    this.refusingNow = false;
    this.cycles = 0;
  }

  /** A query gave a value. Returns true when that ends a refusal (availability goes online). */
  noteAnswer(): boolean {
    this.answerCount++;
    this.cycles = 0;
    if (!this.refusingNow) return false;
    this.refusingNow = false;
    return true;
  }

  /**
   * After a fast poll cycle that got no value at all (every query refused, or garbled), unless the
   * unit is asleep or off. Returns true when this cycle starts a refusal (availability goes offline).
   */
  noteSilentCycle(asleepOrOff: boolean): boolean {
    if (this.refusingNow) return false;
    if (asleepOrOff) {
      this.cycles = 0;
      return false;
    }
    this.cycles++;
    if (this.cycles < REFUSAL_CYCLES_OFFLINE) return false;
    this.refusingNow = true;
    return true;
  }
}
