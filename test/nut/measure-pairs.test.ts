// Issue 13 item 6: the NUT server shows a Measure-UPS limit answered per side as the unit's text
// (`55,50`, `NO,NO`), as apcsmart passes the reply through, not as a number.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NutBridge, nutClient, startNutBridge } from "../helpers/nut.js";
import { waitForMatch } from "../helpers/wait.js";

describe("NUT server: Measure-UPS limits per side (matrix-ups-measure)", () => {
  let bridge: NutBridge;
  beforeAll(async () => {
    bridge = await startNutBridge({ profile: "matrix-ups-measure" });
  });
  afterAll(async () => bridge.stop());

  it("serves ambient.1.*.high/low as the unit's pair text", async () => {
    const client = await nutClient(bridge.port);
    expect(
      await waitForMatch(
        "the upper temperature limit",
        () => client.request("GET VAR ups ambient.1.temperature.high"),
        (l) => l.startsWith("VAR"),
        { timeoutMs: 15_000, intervalMs: 100 },
      ),
    ).toBe('VAR ups ambient.1.temperature.high "55,50"');
    for (const name of ["ambient.1.temperature.low", "ambient.1.humidity.high", "ambient.1.humidity.low"])
      expect(await client.request(`GET VAR ups ${name}`)).toBe(`VAR ups ${name} "NO,NO"`);
    // Its choices: what it holds, not the catalogue's single values it cannot hold.
    expect(await client.list("LIST ENUM ups ambient.1.temperature.high")).toEqual([
      "BEGIN LIST ENUM ups ambient.1.temperature.high",
      'ENUM ups ambient.1.temperature.high "55,50"',
      "END LIST ENUM ups ambient.1.temperature.high",
    ]);
    client.close();
  });
});
