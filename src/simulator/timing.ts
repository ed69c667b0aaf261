// The unit's timings, from the seed and PROTOCOL-NOTES, in one place.

/** 10 bits per character at 2400 bit/s. */
export const CHAR_MS = 10_000 / 2400;
/** Seed: the two presses of K, Z and Ctrl-N must be more than 1.5 s apart. */
export const TWO_PRESS_GAP_MS = 1500;
/** Seed: `!` repeats every 30 s during an outage until low battery. */
export const LINE_FAIL_REPEAT_MS = 30_000;
/** Seed: `#` repeats every 5 h until a test passes. */
export const REPLACE_REPEAT_MS = 5 * 3600_000;
/** Seed: `&` every 2 min while a Measure-UPS alarm exists. */
export const MEASURE_REPEAT_MS = 2 * 60_000;
/** PROTOCOL-NOTES: `|` about 5 s after an EEPROM edit. */
export const EEPROM_ALERT_MS = 5000;
/** Seed: the battery test runs about 8 s. */
export const SELF_TEST_MS = 8000;
/** `U`: a brief transfer to battery. */
export const SIMULATED_FAILURE_MS = 3000;
/** How often the battery charges or discharges. */
export const TICK_MS = 1000;
/** The power-on `?` comes a moment after power-on, so a listener attached right after construction sees it. */
export const POWER_ON_ALERT_MS = 100;
/** `fault garbage on`: one burst of random bytes this often. */
export const GARBAGE_REPEAT_MS = 5000;
/** Seed `e`: how often a pending restart checks whether the battery holds enough to restart. */
export const RESTART_RETRY_MS = 60_000;
/** Seed `@ddd`: one tenth of an hour. */
export const TENTH_HOUR_MS = 360_000;
/** Default reply latency when a command does not say otherwise (PROTOCOL-NOTES "Wire"). */
export const REPLY_LATENCY_MS = 80;
/** The shortest gap between a command and the first byte of its reply. */
export const MIN_LATENCY_MS = 30;
