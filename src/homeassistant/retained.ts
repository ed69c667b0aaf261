// Reading a device config back from the broker. A restart forgets which components were offered
// before; the retained config remembers, so what is no longer offered can still be cleared with an
// empty retained message. Kept apart from the builders: it parses untrusted broker payloads.
/**
 * The components of a device config read back from the broker, when it is this UPS's (its
 * availability names `availabilityTopic`): component id → platform. Null for another device's config
 * or a payload that is not a device config.
 */
export function retainedComponents(
  payload: string,
  availabilityTopic: string,
): Record<string, string> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { availability, components } = parsed as { availability?: unknown; components?: unknown };
  const ours =
    Array.isArray(availability) &&
    availability.some(
      (a) => typeof a === "object" && a !== null && (a as { topic?: unknown }).topic === availabilityTopic,
    );
  if (!ours || typeof components !== "object" || components === null) return null;
  const out: Record<string, string> = {};
  for (const [id, c] of Object.entries(components)) {
    const platform = typeof c === "object" && c !== null ? (c as { platform?: unknown }).platform : undefined;
    if (typeof platform === "string") out[id] = platform;
  }
  return out;
}
