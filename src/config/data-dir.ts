// Where the bridge keeps its state when `data_dir` is not set: the per-user state directory of the
// platform (XDG Base Directory on Linux and the BSDs: state that should survive restarts but is not
// worth backing up, such as history, belongs in $XDG_STATE_HOME).
import { homedir, platform } from "node:os";
import { join } from "node:path";

const APP = "upslink2mqtt";

export interface DataDirContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
  readonly home?: string;
}

/** The per-user data directory; null when the platform gives no home to put it in. */
export function defaultDataDir(context: DataDirContext): string | null {
  const { env } = context;
  const os = context.platform ?? platform();
  const present = (name: string) => {
    const value = env[name];
    return value !== undefined && value !== "" ? value : null;
  };
  if (os === "win32") {
    const local = present("LOCALAPPDATA");
    if (local !== null) return join(local, APP);
  }
  let home = present("HOME") ?? context.home ?? null;
  if (home === null) {
    try {
      home = homedir();
    } catch {
      home = null;
    }
  }
  if (os === "darwin" && home !== null) return join(home, "Library", "Application Support", APP);
  const state = present("XDG_STATE_HOME");
  // The XDG specification ignores a relative path.
  if (state?.startsWith("/")) return join(state, APP);
  return home === null || home === "" ? null : join(home, ".local", "state", APP);
}

/** `data_dir` as configured, else the per-user default. */
export function resolveDataDir(configured: string | null, context: DataDirContext): string | null {
  return configured ?? defaultDataDir(context);
}
