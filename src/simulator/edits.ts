// The unit's EEPROM settings as the host reads and edits them: reading a setting makes it the one a
// following `-` edits; `-` steps a ring, or takes 8 characters (c, x) or 2 hex digits (Measure-UPS
// I) typed after it; `z` restores the factory values. `|` follows an edit about 5 s later.
import type { Intake } from "./intake.js";
import type { MeasureUps } from "./measure.js";
import type { SimSetting } from "./settings.js";
import { EEPROM_ALERT_MS } from "./timing.js";
import type { Unit } from "./unit.js";

export class Edits {
  readonly #unit: Unit;
  readonly #intake: Intake;
  readonly #measure: MeasureUps;
  /** Position in the ring; rings can repeat a value (`H M L L`), so the last step is remembered. */
  readonly #ringPositions = new Map<string, number>();

  constructor(unit: Unit, intake: Intake, measure: MeasureUps) {
    this.#unit = unit;
    this.#intake = intake;
    this.#measure = measure;
  }

  /** The setting's own byte: its value, and `-` now edits it. */
  read(setting: SimSetting): void {
    const { profile, state, out } = this.#unit;
    if (profile.refusedSettings.includes(String.fromCharCode(setting.byte))) {
      out.reply("NO");
      return;
    }
    this.#intake.setEditContext(setting);
    out.reply(state.settings[setting.id] ?? setting.factory);
  }

  /** `-` after reading `setting` (null: nothing was read just before). */
  edit(setting: SimSetting | null): void {
    const { state: s, out } = this.#unit;
    if (setting === null) {
      out.reply("NA");
      return;
    }
    // PROTOCOL-NOTES: while any DIP switch is on, edits answer NO.
    if (s.dip !== 0) {
      out.reply("NO");
      return;
    }
    if (setting.entry !== "ring") {
      // Direct entry: nothing is answered until the whole value is typed, unless a fault says so.
      const answer = s.faults.editReply;
      if (answer === "NO" || answer === "NA") {
        out.reply(answer);
        return;
      }
      if (answer === "echo") out.reply(s.settings[setting.id] ?? setting.factory);
      else if (answer !== null) out.raw(Buffer.from(answer, "latin1"));
      this.#intake.expectValue(setting);
      return;
    }
    const current = s.settings[setting.id] ?? setting.factory;
    const index = this.#ringIndex(setting, current);
    const next = setting.ring[(index + 1) % setting.ring.length] ?? setting.factory;
    s.settings[setting.id] = next;
    this.#ringPositions.set(setting.id, (index + 1) % setting.ring.length);
    // The edit context stays, so a client can step the ring again after reading it back.
    this.#intake.setEditContext(setting);
    this.#eepromChanged();
    out.reply("OK");
  }

  /** The 8 characters typed after `-` on `c` or `x`. */
  textEntered(setting: SimSetting, chars: string): void {
    const { state, out } = this.#unit;
    // Seed: `-` is not allowed inside c and x; printable ASCII only.
    if (chars.includes("-") || !/^[\x20-\x7e]{8}$/.test(chars)) {
      out.reply("NO");
      return;
    }
    state.settings[setting.id] = chars;
    this.#eepromChanged();
    out.reply("OK");
  }

  /** The 2 hex digits typed after `-` on the Measure-UPS `I`. */
  hexEntered(setting: SimSetting, chars: string): void {
    this.#unit.state.settings[setting.id] = chars;
    this.#eepromChanged();
    this.#measure.evaluate();
    this.#unit.out.reply("OK");
  }

  /** `z`: every setting back to its factory value but c and x (seed). */
  resetEeprom(): void {
    const { state, settings, out } = this.#unit;
    for (const setting of settings) {
      if (setting.entry === "text") continue;
      state.settings[setting.id] = setting.factory;
    }
    this.#ringPositions.clear();
    this.#eepromChanged();
    out.reply("CLEAR");
  }

  #ringIndex(setting: SimSetting, current: string): number {
    const remembered = this.#ringPositions.get(setting.id);
    if (remembered !== undefined && setting.ring[remembered] === current) return remembered;
    const found = setting.ring.indexOf(current);
    return found < 0 ? -1 : found;
  }

  #eepromChanged(): void {
    this.#unit.timers.schedule("eeprom", EEPROM_ALERT_MS, () => this.#unit.out.alert("|"));
  }
}
