// CatalogueLink: what the UPS layer adds over the byte-level session. Here, the one alert whose
// meaning concerns the line: `*` (old models) says the load is about to go off, so silence is
// expected from then on. The session alone does not know that (test/link/request.test.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LinkSession, type LinkState } from "../../src/link/session.js";
import { silentLogger } from "../../src/log.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";
import { settle } from "../link/helpers.js";
import { ScriptedTransport, smartUps } from "../link/scripted.js";

let link: CatalogueLink | null = null;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(async () => {
  await link?.stop();
  link = null;
  vi.useRealTimers();
});

describe("CatalogueLink", () => {
  it("expects silence after the `*` alert, before anyone else hears the alert", async () => {
    const transport = new ScriptedTransport(smartUps({ Q: "08" }));
    link = new CatalogueLink(new LinkSession({ transport, logger: silentLogger() }));
    const l = link;
    await settle(l.start());
    const heard: { event: string; state: LinkState }[] = [];
    l.onAlert((alert) => heard.push({ event: alert.event, state: l.state }));
    transport.send("!");
    expect(l.state).toBe("online");
    transport.send("*");
    expect(heard).toEqual([
      { event: "line_fail", state: "online" },
      { event: "ups_about_to_turn_load_off", state: "shutdown_expected" },
    ]);
    // The UPS answers again: online.
    expect(await settle(l.query("ups_status_register", "poll"))).toBe("08");
    expect(l.state).toBe("online");
  });
});
