// Issue 17, item 6: a broker URL's password never appears in a message, even when the URL does not
// parse (`UPSLINK_MQTT_URL=mqtt//user:S3cret@@:x` used to exit 2 with the password in the error).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REDACTED, redactUrl } from "../../src/config/index.js";
import { ensureBuilt, MAIN_JS } from "../packaging/bridge-process.js";

describe("redactUrl", () => {
  it.each([
    // Parsable, as before.
    ["mqtt://user:S3cret@broker:1883", `mqtt://user:${REDACTED}@broker:1883`],
    ["mqtts://user:S3cret@broker:8883/path", `mqtts://user:${REDACTED}@broker:8883/path`],
    // Unparsable or oddly parsed: the part after the user name and before the last @ goes.
    ["mqtt//user:S3cret@@:x", `mqtt//user:${REDACTED}@:x`],
    ["mqtt://user:S3cret@broker:99999", `mqtt://user:${REDACTED}@broker:99999`],
    ["mqtt://user:pa/ss@broker:1883", `mqtt://user:${REDACTED}@broker:1883`],
    ["user:S3cret@broker:1883", `user:${REDACTED}@broker:1883`],
    // A single slash: no host; from the first ":" to the last "@" goes (over-redacts, never shows).
    ["mqtt:/user:S3cret@broker", `mqtt:${REDACTED}@broker`],
  ])("%s → %s", (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
    expect(redactUrl(input)).not.toContain("S3cret");
  });

  it.each(["mqtt://broker:1883", "mqtt://user@broker:1883", "not a url", "mqtt//broker:1883", ""])(
    "leaves %j without a password as it is",
    (input) => {
      expect(redactUrl(input)).toBe(input);
    },
  );
});

describe("a configuration error on an unparsable broker URL", () => {
  it("exits 2 naming mqtt.url, without the password", () => {
    ensureBuilt();
    const run = spawnSync(process.execPath, [MAIN_JS], {
      env: {
        PATH: process.env.PATH ?? "",
        UPSLINK_MQTT_URL: "mqtt//user:S3cret@@:x",
        UPSLINK_UPS_PORT: "sim://smartups-3g-120",
      },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("mqtt.url (UPSLINK_MQTT_URL)");
    expect(run.stderr).toContain(REDACTED);
    expect(run.stderr + run.stdout).not.toContain("S3cret");
  });
});
