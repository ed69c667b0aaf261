// A state directory of its own for every bridge a test starts: unset, `data_dir` is the per-user
// state directory ($XDG_STATE_HOME, else ~/.local/state), where the bridge keeps its history. A
// test must neither write the developer's nor share one with another test.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function scratchStateHome(): string {
  return mkdtempSync(join(tmpdir(), "upslink-state-"));
}
