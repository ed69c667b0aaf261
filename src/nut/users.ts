// NUT users (the bridge's upsd.users), from the configuration file only: who may LOGIN (upsmon),
// become PRIMARY and raise FSD, SET variables and run which instant commands.
//
// One rule is stricter than upsd: `instcmds: [ALL]` grants only the commands that cannot drop the
// load. A destructive command runs only for a user granted it by its own name (and only with
// commands.allow_destructive): that grant replaces the MQTT two-step confirmation.
import { timingSafeEqual } from "node:crypto";

export type UpsmonRole = "primary" | "secondary";
export type NutAction = "SET" | "FSD";

export interface NutUser {
  readonly username: string;
  readonly password: string;
  readonly upsmon: UpsmonRole | null;
  /** Instant command names (case-insensitive), or `ALL` for every non-destructive one. */
  readonly instcmds: readonly string[];
  readonly actions: readonly NutAction[];
}

/**
 * The user these credentials name, or null: an unknown name and a wrong password look the same to
 * the client (ACCESS-DENIED), as in upsd. The password comparison takes the same time whatever the
 * guess.
 */
export function authenticate(
  users: readonly NutUser[],
  username: string | null,
  password: string | null,
): NutUser | null {
  if (username === null || password === null) return null;
  const user = users.find((u) => u.username === username);
  if (user === undefined) return null;
  return samePassword(user.password, password) ? user : null;
}

function samePassword(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  // Compared at the expected length either way, so the time does not tell the length either.
  const padded = Buffer.alloc(a.length);
  b.copy(padded, 0, 0, Math.min(a.length, b.length));
  return timingSafeEqual(a, padded) && a.length === b.length;
}

/** LOGIN: any upsmon role (upsd: "upsmon primary" and "upsmon secondary" both grant it). */
export function mayLogin(user: NutUser): boolean {
  return user.upsmon !== null;
}

/** PRIMARY (MASTER): upsmon primary. */
export function mayBePrimary(user: NutUser): boolean {
  return user.upsmon === "primary";
}

/** FSD: upsmon primary, or the FSD action. */
export function mayRaiseFsd(user: NutUser): boolean {
  return user.upsmon === "primary" || user.actions.includes("FSD");
}

export function maySet(user: NutUser): boolean {
  return user.actions.includes("SET");
}

export function mayRunCommand(user: NutUser, command: string, destructive: boolean): boolean {
  const wanted = command.toLowerCase();
  return user.instcmds.some((granted) => {
    const name = granted.toLowerCase();
    return name === wanted || (!destructive && name === "all");
  });
}
