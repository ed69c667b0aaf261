// The Measure-UPS accessory: ambient temperature, humidity and contact alarms against their limits,
// `J` (which alarm) and the `&` alert, repeated while an alarm lasts (seed).
import { hex2 } from "./physics.js";
import { SETTING } from "./settings.js";
import { MEASURE_REPEAT_MS } from "./timing.js";
import type { Unit } from "./unit.js";

export class MeasureUps {
  readonly #unit: Unit;

  constructor(unit: Unit) {
    this.#unit = unit;
  }

  /** `J`: bit 7 too hot, 6 too cold, 5 too humid, 4 too dry, 3–0 contacts 4–1. */
  alarms(): number {
    const unit = this.#unit;
    const s = unit.state;
    let value = 0;
    const upperTemp = this.#limit(SETTING.upperTempAlarm, Number.POSITIVE_INFINITY);
    const lowerTemp = this.#limit(SETTING.lowerTempAlarm, Number.NEGATIVE_INFINITY);
    const upperRh = this.#limit(SETTING.upperRhAlarm, Number.POSITIVE_INFINITY);
    const lowerRh = this.#limit(SETTING.lowerRhAlarm, Number.NEGATIVE_INFINITY);
    if (s.ambientTemp > upperTemp) value |= 0x80;
    if (s.ambientTemp < lowerTemp) value |= 0x40;
    if (s.humidity > upperRh) value |= 0x20;
    if (s.humidity < lowerRh) value |= 0x10;
    // Contacts are normally open here: a closed contact disagrees with its DIP switch.
    value |= s.contacts & 0x0f;
    return value;
  }

  /**
   * `J` as real units answer it: one byte per side (`0F,00` from a real unit). This Measure-UPS has
   * one side with sensors and contacts; the other reports no alarm.
   */
  alarmReply(): string {
    return `${hex2(this.alarms())},00`;
  }

  /**
   * The limit of the side with the sensors: the value, or the first side of a pair (`55,50`). `NO`
   * (no limit) or a value the unit lacks never raises an alarm.
   */
  #limit(id: string, none: number): number {
    const first = this.#unit.state.settings[id]?.split(",")[0];
    if (first === undefined || !/^-?\d+(\.\d+)?$/.test(first.trim())) return none;
    return Number.parseFloat(first);
  }

  /** Starts `&` when an enabled alarm appears, stops repeating it when none is left. */
  evaluate(): void {
    const unit = this.#unit;
    if (!unit.profile.measureUps) return;
    const enabled = Number.parseInt(unit.state.settings[SETTING.alarmEnable] ?? "FF", 16);
    const active = (this.alarms() & (Number.isFinite(enabled) ? enabled : 0xff)) !== 0;
    if (active && !unit.timers.has("measure")) {
      unit.out.alert("&");
      this.#repeat();
    } else if (!active) {
      unit.timers.cancel("measure");
    }
  }

  #repeat(): void {
    this.#unit.timers.schedule("measure", MEASURE_REPEAT_MS, () => {
      this.#unit.out.alert("&");
      this.#repeat();
    });
  }
}
