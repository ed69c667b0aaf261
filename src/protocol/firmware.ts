// Firmware advisory: APC's table of the latest Smart-UPS firmware per UPS ID (seeds/000, the
// Firmware Upgrade Wizard FAQ), as data. A UPS whose firmware string names its ID (units behind an
// AP9620 card answer `b` with `UPS 09.3 / ID=18`) gets a Home Assistant `update` entity and advice
// in `probe`; units whose ID is unknown get none.
import { parseFirmwareB } from "./identity.js";

export interface FirmwareRelease {
  readonly upsId: number;
  /** Model prefix as APC's table gives it. */
  readonly prefix: string;
  /** The firmware image file name (without `.enc`). */
  readonly image: string;
  /** The version after the upgrade, as the UPS reports it (`15.0`). */
  readonly latest: string;
  /** Whether the upgrade can be done with the output on, and from which version. */
  readonly outputOn: { readonly allowed: boolean; readonly fromVersion: string | null };
  readonly note: string | null;
}

const TWO_STEP_1001 =
  "SRT units with ID 1001 must be upgraded twice: first with SRT1001UPS_02-9, which changes the UPS ID to 1013, then with SRT1013UPS_15-0.";
const JAPAN_18 =
  "SMT18UPS_09-8_JP is only for the Japanese models SMT750RMJ1U, NMT750RMJ1U and DLT750RMJ1UNC; every other SMT with ID 18 takes SMT18UPS_09-6.";

const no = { allowed: false, fromVersion: null } as const;
const yes = { allowed: true, fromVersion: null } as const;
const from = (v: string) => ({ allowed: true, fromVersion: v }) as const;

/** APC's "Firmware Revision Table", one row per line of the table. */
export const FIRMWARE_TABLE: readonly FirmwareRelease[] = [
  { upsId: 1000, prefix: "SMC", image: "SMC1000UPS_10-0", latest: "10.0", outputOn: no, note: null },
  { upsId: 1005, prefix: "SMC", image: "SMC1005UPS_14-0", latest: "14.0", outputOn: no, note: null },
  { upsId: 1007, prefix: "SMC", image: "SMC1007UPS_11-0", latest: "11.0", outputOn: no, note: null },
  {
    upsId: 1018,
    prefix: "SMC SmartConnect",
    image: "SMC1018UPS_04-3",
    latest: "04.3",
    outputOn: yes,
    note: null,
  },
  { upsId: 1001, prefix: "SRT", image: "SRT1001UPS_02-9", latest: "02.9", outputOn: no, note: TWO_STEP_1001 },
  { upsId: 1002, prefix: "SRT", image: "SRT1002UPS_15-0", latest: "15.0", outputOn: no, note: null },
  {
    upsId: 1010,
    prefix: "SRT",
    image: "SRT1010UPS_15-0",
    latest: "15.0",
    outputOn: from("07.9"),
    note: null,
  },
  { upsId: 1013, prefix: "SRT", image: "SRT1013UPS_15-0", latest: "15.0", outputOn: no, note: null },
  { upsId: 1014, prefix: "SRT", image: "SRT1014UPS_15-0", latest: "15.0", outputOn: no, note: null },
  {
    upsId: 1019,
    prefix: "SRT",
    image: "SRT1019UPS_15-0",
    latest: "15.0",
    outputOn: from("07.1"),
    note: null,
  },
  { upsId: 1020, prefix: "SRT", image: "SRT1020UPS_15-0", latest: "15.0", outputOn: yes, note: null },
  { upsId: 1021, prefix: "SRT", image: "SRT1021UPS_15-0", latest: "15.0", outputOn: no, note: null },
  {
    upsId: 1024,
    prefix: "SRT",
    image: "SRT1024UPS_15-0",
    latest: "15.0",
    outputOn: from("00.4"),
    note: null,
  },
  {
    upsId: 1025,
    prefix: "SRT",
    image: "SRT1025UPS_15-0",
    latest: "15.0",
    outputOn: from("07.3"),
    note: null,
  },
  { upsId: 5008, prefix: "CSH2", image: "SRT5008UPS_02-5", latest: "02.5", outputOn: yes, note: null },
  { upsId: 20, prefix: "SMX", image: "SMT20UPS_10-2", latest: "10.2", outputOn: no, note: null },
  { upsId: 1003, prefix: "SMX", image: "SMX1003UPS_08-1", latest: "08.1", outputOn: no, note: null },
  { upsId: 1031, prefix: "SMX", image: "SMX1031UPS_15-0", latest: "15.0", outputOn: no, note: null },
  { upsId: 1026, prefix: "SMTL", image: "SMTL1026UPS_15-0", latest: "15.0", outputOn: yes, note: null },
  { upsId: 1029, prefix: "SCL", image: "SCL1029UPS_15-1", latest: "15.1", outputOn: yes, note: null },
  {
    upsId: 1030,
    prefix: "SCL SmartConnect",
    image: "SCL1030UPS_15-1",
    latest: "15.1",
    outputOn: no,
    note: null,
  },
  { upsId: 1036, prefix: "SCL", image: "SCL1036UPS_15-1", latest: "15.1", outputOn: yes, note: null },
  { upsId: 1037, prefix: "SCL", image: "SCL1037UPS_15-1", latest: "15.1", outputOn: no, note: null },
  { upsId: 17, prefix: "SMT", image: "SMT17UPS_07-1_Le", latest: "07.1", outputOn: no, note: null },
  { upsId: 18, prefix: "SMT", image: "SMT18UPS_09-6", latest: "09.6", outputOn: no, note: JAPAN_18 },
  { upsId: 18, prefix: "SMT", image: "SMT18UPS_09-8_JP", latest: "09.8", outputOn: no, note: JAPAN_18 },
  { upsId: 20, prefix: "SMT", image: "SMT20UPS_10-2", latest: "10.2", outputOn: no, note: null },
  { upsId: 1031, prefix: "SMT", image: "SMT1031UPS_15-0", latest: "15.0", outputOn: no, note: null },
  { upsId: 1039, prefix: "SMT", image: "SMT1039UPS_01-2", latest: "01.2", outputOn: no, note: null },
  { upsId: 1040, prefix: "SMT", image: "SMT1040UPS_01-2", latest: "01.2", outputOn: no, note: null },
  { upsId: 1041, prefix: "FJT", image: "FJT1041UPS_01-1", latest: "01.1", outputOn: no, note: null },
  {
    upsId: 1015,
    prefix: "SMT SmartConnect",
    image: "SMT1015UPS_04-6",
    latest: "04.6",
    outputOn: yes,
    note: null,
  },
  { upsId: 1016, prefix: "XP1K9NN42RCC", image: "PMU1016UPS_02-3", latest: "02.3", outputOn: no, note: null },
  {
    upsId: 1017,
    prefix: "XU1K3LLXXRCC",
    image: "XUL1017UPS_02-7",
    latest: "02.7",
    outputOn: from("01.4"),
    note: null,
  },
  {
    upsId: 1033,
    prefix: "XU2K0LLXXRCC",
    image: "XUL1033UPS_00-3",
    latest: "00.3",
    outputOn: from("0.03"),
    note: null,
  },
];

/** APC's FAQ FA279197: the Firmware Upgrade Wizard, its table and its downloads (seeds/000). */
export const FIRMWARE_RELEASE_URL = "https://www.apc.com/us/en/faqs/FA279197/";

const WIZARD =
  "Upgrades are done with APC's Firmware Upgrade Wizard on 64-bit Windows, over the serial or USB cable that came with the UPS; the bridge does not upgrade firmware.";

export interface FirmwareAdvice {
  readonly upsId: number;
  readonly installed: string;
  /** The newest version for this ID (the highest when the table lists several images). */
  readonly latest: string;
  readonly upToDate: boolean;
  readonly title: string;
  /** At most 255 characters: Home Assistant's limit for an update entity's `release_summary`. */
  readonly summary: string;
  /** Every image, note and the upgrade procedure, for `info` and `probe`. */
  readonly details: string;
  /** APC's page on the upgrade and its downloads (Home Assistant's `release_url`). */
  readonly releaseUrl: string;
  readonly releases: readonly FirmwareRelease[];
}

/** Home Assistant's limit for `release_summary` of an MQTT update entity. */
export const RELEASE_SUMMARY_MAX = 255;

/** The version in what the UPS reports: `UPS 09.3 / ID=18` → `09.3`; a bare version as it is. */
export function installedVersion(firmware: string): string {
  const parsed = parseFirmwareB(firmware);
  return parsed?.form === "ap9620" ? parsed.firmware : firmware.trim();
}

function outputText(release: FirmwareRelease): string {
  if (!release.outputOn.allowed) return "the output must be off during the upgrade";
  return release.outputOn.fromVersion === null
    ? "can be upgraded with the output on"
    : `can be upgraded with the output on from UPS ${release.outputOn.fromVersion} and later`;
}

/** Compares `09.3` with `09.6` numerically, field by field. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * Advice for a UPS whose ID is known; null when the ID is unknown or not in APC's table. `installed`
 * is the version (`09.3`) or the whole firmware string the UPS reports (`UPS 09.3 / ID=18`).
 */
export function findFirmwareAdvice(upsId: number | null, firmware: string | null): FirmwareAdvice | null {
  if (upsId === null || firmware === null) return null;
  const installed = installedVersion(firmware);
  const releases = FIRMWARE_TABLE.filter((r) => r.upsId === upsId);
  if (releases.length === 0) return null;
  // ID 18 lists a Japan-only image: the general image is the one to offer.
  const general = releases.filter((r) => !r.image.endsWith("_JP"));
  const candidates = general.length > 0 ? general : releases;
  const latest = candidates.map((r) => r.latest).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
  const upToDate = compareVersions(installed, latest) >= 0;
  const lines: string[] = [];
  for (const release of releases) {
    lines.push(`${release.prefix} image ${release.image} (UPS ${release.latest}): ${outputText(release)}.`);
  }
  for (const note of new Set(releases.map((r) => r.note).filter((n): n is string => n !== null)))
    lines.push(note);
  lines.push(WIZARD);
  return {
    upsId,
    installed,
    latest,
    upToDate,
    title: `Smart-UPS firmware for UPS ID ${upsId}`,
    summary: shortSummary(releases, candidates, latest, installed),
    details: lines.join(" "),
    releaseUrl: FIRMWARE_RELEASE_URL,
    releases,
  };
}

/** The most useful sentences that fit Home Assistant's 255 characters; the rest is in `details`. */
function shortSummary(
  releases: readonly FirmwareRelease[],
  candidates: readonly FirmwareRelease[],
  latest: string,
  installed: string,
): string {
  const offered = candidates.find((r) => r.latest === latest) ?? candidates[0];
  const sentences = [
    `Installed UPS ${installed}, latest UPS ${latest}${offered === undefined ? "" : ` (${offered.image})`}.`,
    offered === undefined
      ? ""
      : offered.outputOn.allowed
        ? `It ${outputText(offered)}.`
        : "The output must be off during the upgrade.",
    ...new Set(releases.map((r) => r.note).filter((n): n is string => n !== null)),
    "Upgrade with APC's Firmware Upgrade Wizard (Windows); see the UPS's info topic for details.",
  ];
  let summary = "";
  for (const sentence of sentences) {
    if (sentence === "") continue;
    const next = summary === "" ? sentence : `${summary} ${sentence}`;
    if (next.length <= RELEASE_SUMMARY_MAX) summary = next;
  }
  return summary;
}
