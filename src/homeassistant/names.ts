// How Home Assistant names what the bridge discovers: device ids, entity ids and entity names.
// Pure string shaping, kept apart from the component builder (discovery.ts) so it can be read alone.
/** Device ids: `upslink2mqtt_<serial>` sanitized, or the configured UPS id without a serial. */
export function deviceIdFor(identity: { readonly serial: string | null; readonly upsId: string }): string {
  const raw = identity.serial !== null && identity.serial.trim() !== "" ? identity.serial : identity.upsId;
  return `upslink2mqtt_${sanitizeId(raw)}`;
}

/**
 * The Home Assistant device name: the configured name, else the model and the UPS id, so two identical
 * units (`Smart-UPS 1500 (rack)`, `Smart-UPS 1500 (office)`) can be told apart; the humanized id when
 * the model is unknown.
 */
export function deviceName(identity: {
  readonly name: string | null;
  readonly model: string | null;
  readonly upsId: string;
}): string {
  if (identity.name !== null && identity.name.trim() !== "") return identity.name.trim();
  const model = identity.model?.trim() ?? "";
  return model === "" ? humanize(identity.upsId) : `${model} (${identity.upsId})`;
}

/**
 * The bridge's own device, which every UPS device is reached through (`via_device`): one per bridge
 * instance, and an instance is its base topic (two bridges on one broker cannot share it).
 */
export function bridgeDeviceId(baseTopic: string): string {
  return `upslink2mqtt_bridge_${sanitizeId(baseTopic)}`;
}

export function sanitizeId(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, "_")
      .replace(/^_+|_+$/g, "") || "unknown"
  );
}

/**
 * The entity id's object part: the UPS id, then the key in lower case without repeating the UPS id
 * (`ups` + `ups_serial_number` → `ups_serial_number`, not `ups_ups_serial_number`). Home Assistant
 * entity ids are lower case; the key keeps its case in the unique id and on its topic
 * (`shutdown_via_S_command` is the seed's public name), only the entity id is lowered.
 */
export function entityObjectId(entityBase: string, key: string): string {
  const lower = key.toLowerCase();
  const rest = lower.startsWith(`${entityBase}_`) ? lower.slice(entityBase.length + 1) : lower;
  return `${entityBase}_${rest}`;
}

// Words that keep their case inside a sentence-case name: brands, acronyms (`DIP`, `RH`, `EEPROM`)
// and opcode letters (`Shut down by S`).
const BRANDS = new Set(["SmartBoost", "SmartTrim", "Measure-UPS", "UPS-Link", "Smart-UPS", "Matrix-UPS"]);
const keepsCase = (word: string): boolean => {
  const bare = word.replace(/^\W+|\W+$/g, "");
  return BRANDS.has(bare) || (/^[A-Z0-9-]+$/.test(bare) && /[A-Z]/.test(bare));
};

/**
 * Home Assistant's naming: sentence case, and no "UPS" in front inside a device that is the UPS (HA
 * warns that the name starts with the device name and strips it). `UPS Serial Number` → `Serial number`.
 */
export function entityName(label: string): string {
  // `UPS & Utility Operating Frequency` → `Utility operating frequency`, `UPS to Bypass Toggle` → `Bypass toggle`.
  const words = label
    .replace(/^UPS\s+((&|to)\s+)?/i, "")
    .split(/\s+/)
    .filter((w) => w !== "");
  const shaped = words.map((w, i) => (i === 0 || keepsCase(w) ? w : w.toLowerCase()));
  const text = shaped.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `line_voltage_vac` → `Line voltage` (unit suffixes dropped: the entity shows its unit). */
export function humanize(key: string): string {
  const words = key
    .replace(/_(vac|vdc|c|percent|minutes)$/, "")
    .split("_")
    .filter((w) => w !== "");
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
