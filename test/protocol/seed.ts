// Reads the seed catalogue (seeds/003) that the protocol table must follow, so any drift between the
// seed and src/protocol/catalogue/ fails a test. The repository carries a copy
// (test/fixtures/upslink-catalogue.seed.txt, with its attribution) so the suite runs in any clone;
// where the project's shared seeds sit beside the repository (CI), a test checks the copy is
// identical to them.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

export const SEED_PATH = path.resolve(import.meta.dirname, "../fixtures/upslink-catalogue.seed.txt");

/** The original in the project's shared seeds, when present beside the repository. */
export const SHARED_SEED_PATH = path.resolve(
  import.meta.dirname,
  "../..",
  "../shared/seeds/003_36988b62a4ffb2b1.txt",
);

export function sharedSeedPresent(): boolean {
  return existsSync(SHARED_SEED_PATH);
}

const HEADERS = [
  "Summary",
  "Transport",
  "Traits",
  "Actions",
  "Feedbacks",
  "Variables",
  "Events",
  "Macros",
  "Safety",
  "Notes",
  "Provenance",
] as const;

/** The YAML body of one of the seed's sections (between its header line and the next). */
function section(text: string, name: (typeof HEADERS)[number]): string {
  const lines = text.split("\n");
  const start = lines.indexOf(name);
  if (start < 0) throw new Error(`seed has no '${name}' section`);
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    if ((HEADERS as readonly string[]).includes(lines[i] ?? "")) {
      end = i;
      break;
    }
  }
  return lines.slice(start + 1, end).join("\n");
}

export interface SeedAction {
  readonly id: string;
  readonly label: string;
  readonly kind: string;
  readonly command: string;
  readonly params: readonly { readonly name: string; readonly type: string }[];
  readonly response?: string;
  readonly notes?: string;
}

export interface SeedFeedback {
  readonly id: string;
  readonly type: string;
  readonly values?: readonly string[];
  readonly unit?: string;
  readonly source_query: string;
  readonly bit_map?: Readonly<Record<string, string>>;
}

export interface SeedEvent {
  readonly id: string;
  readonly opcode: string;
  readonly description: string;
}

export interface Seed {
  readonly actions: readonly SeedAction[];
  readonly feedbacks: readonly SeedFeedback[];
  readonly events: readonly SeedEvent[];
  readonly destructive: readonly string[];
}

export function readSeed(): Seed {
  const text = readFileSync(SEED_PATH, "utf8");
  const safety = parse(section(text, "Safety")) as { confirmation_required_for: string[] };
  return {
    actions: parse(section(text, "Actions")) as SeedAction[],
    feedbacks: parse(section(text, "Feedbacks")) as SeedFeedback[],
    events: parse(section(text, "Events")) as SeedEvent[],
    destructive: safety.confirmation_required_for,
  };
}
