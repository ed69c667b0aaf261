// Nominal real power (watts) of APC Smart-UPS models, for the load-in-watts sensor and NUT's
// ups.realpower.nominal when `ups[].nominal_power_w` is not configured. The UPS-Link protocol reports
// the load only in percent and no rating in watts; the ratings are APC's published specifications.
// Keyed by the model name the unit reports (Ctrl-A), compared without case and repeated spaces.
// A name shared by models of different ratings (`Smart-UPS 2200`: SU2200 1600 W, SUA2200 1980 W) is
// left out: a wrong figure is worse than none, and the configuration option covers it.

/** Model name as Ctrl-A reports it → watts. */
export const MODEL_REAL_POWER_W: Readonly<Record<string, number>> = {
  // Smart-UPS (SU, SUA, SMT): the 750/1000/1500 names cover several series within a few percent;
  // the lowest rating is kept (SU1000 and SUA1000 670 W, SMT1000 700 W; SUA1500 980 W, SMT1500 1000 W).
  "SMART-UPS 420": 260,
  "SMART-UPS 620": 390,
  "SMART-UPS 700": 450,
  "SMART-UPS 750": 500,
  "SMART-UPS 1000": 670,
  "SMART-UPS 1400": 950,
  "SMART-UPS 1500": 980,
  // Smart-UPS RT (SURT…XL).
  "SMART-UPS RT 1000 XL": 700,
  "SMART-UPS RT 2000 XL": 1400,
  "SMART-UPS RT 3000 XL": 2100,
  "SMART-UPS RT 5000 XL": 3500,
  "SMART-UPS RT 10000 XL": 8000,
};

/** The rating of a model the table knows, or null. */
export function nominalRealPower(model: string | null): number | null {
  if (model === null) return null;
  const key = model.trim().replace(/\s+/g, " ").toUpperCase();
  return MODEL_REAL_POWER_W[key] ?? null;
}
