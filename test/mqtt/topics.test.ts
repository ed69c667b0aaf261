import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_RESPONSE_TOPIC_BYTES,
  parseRequestTopic,
  RESERVED_COMMANDS,
  requestFilters,
  responseTopicProblem,
  topicMatches,
  topics,
} from "../../src/mqtt/topics.js";

describe("topic builders", () => {
  it("build every topic of the contract", () => {
    const b = "upslink2mqtt";
    expect(topics.bridgeState(b)).toBe("upslink2mqtt/bridge/state");
    expect(topics.bridgeInfo(b)).toBe("upslink2mqtt/bridge/info");
    expect(topics.availability(b, "ups")).toBe("upslink2mqtt/ups/availability");
    expect(topics.key(b, "ups", "battery_capacity")).toBe("upslink2mqtt/ups/battery_capacity");
    expect(topics.state(b, "ups")).toBe("upslink2mqtt/ups/state");
    expect(topics.info(b, "ups")).toBe("upslink2mqtt/ups/info");
    expect(topics.event(b, "ups")).toBe("upslink2mqtt/ups/event");
    expect(topics.command(b, "ups", "battery_test")).toBe("upslink2mqtt/ups/command/battery_test");
    expect(topics.set(b, "ups", "sensitivity")).toBe("upslink2mqtt/ups/set/sensitivity");
    expect(topics.confirm(b, "ups")).toBe("upslink2mqtt/ups/command/confirm");
    expect(topics.cancel(b, "ups")).toBe("upslink2mqtt/ups/command/cancel");
    expect(topics.response(b, "ups", "battery_test")).toBe("upslink2mqtt/ups/response/battery_test");
    expect(topics.pending(b, "ups")).toBe("upslink2mqtt/ups/pending");
    expect(topics.discovery("homeassistant", "upslink2mqtt_ns123")).toBe(
      "homeassistant/device/upslink2mqtt_ns123/config",
    );
    expect(topics.haStatus("homeassistant")).toBe("homeassistant/status");
  });
});

describe("request topic parser", () => {
  const level = fc.stringMatching(/^[a-z0-9_-]{1,12}$/);
  const base = fc
    .array(fc.stringMatching(/^[a-z0-9_]{1,8}$/), { minLength: 1, maxLength: 3 })
    .map((levels) => levels.join("/"));

  it("round-trips commands and settings", () => {
    fc.assert(
      fc.property(
        base,
        level.filter((u) => u !== "bridge"),
        level,
        (b, ups, id) => {
          fc.pre(!(RESERVED_COMMANDS as readonly string[]).includes(id));
          expect(parseRequestTopic(b, topics.command(b, ups, id))).toEqual({ kind: "command", ups, id });
          expect(parseRequestTopic(b, topics.set(b, ups, id))).toEqual({ kind: "set", ups, id });
        },
      ),
    );
  });

  it("round-trips confirm and cancel", () => {
    fc.assert(
      fc.property(
        base,
        level.filter((u) => u !== "bridge"),
        (b, ups) => {
          expect(parseRequestTopic(b, topics.confirm(b, ups))).toEqual({ kind: "confirm", ups });
          expect(parseRequestTopic(b, topics.cancel(b, ups))).toEqual({ kind: "cancel", ups });
        },
      ),
    );
  });

  it("rejects everything else", () => {
    const b = "home/ups";
    for (const topic of [
      "home/ups/bridge/state",
      "home/ups/rack/state",
      "home/ups/rack/response/battery_test",
      "home/ups/rack/command",
      "home/ups/rack/command/a/b",
      "home/ups/rack/set/",
      "home/upsx/rack/command/battery_test",
      "other/rack/command/battery_test",
      "home/ups//command/battery_test",
      "home/ups/bridge/command/battery_test",
    ]) {
      expect(parseRequestTopic(b, topic), topic).toBeNull();
    }
  });

  it("every incoming request topic matches the request filters", () => {
    fc.assert(
      fc.property(
        base,
        level.filter((u) => u !== "bridge"),
        level,
        (b, ups, id) => {
          const filters = requestFilters(b);
          for (const topic of [
            topics.command(b, ups, id),
            topics.set(b, ups, id),
            topics.confirm(b, ups),
            topics.cancel(b, ups),
          ]) {
            expect(filters.some((filter) => topicMatches(filter, topic))).toBe(true);
          }
          for (const topic of [topics.response(b, ups, id), topics.state(b, ups), topics.bridgeState(b)]) {
            expect(filters.some((filter) => topicMatches(filter, topic))).toBe(false);
          }
        },
      ),
    );
  });
});

describe("topic matching", () => {
  it.each([
    ["a/+/c", "a/b/c", true],
    ["a/+/c", "a/b/d", false],
    ["a/#", "a", true],
    ["a/#", "a/b/c", true],
    ["#", "a/b", true],
    ["#", "$SYS/broker", false],
    ["+/x", "$SYS/x", false],
    ["a/b", "a/b/c", false],
    ["a/b/c", "a/b", false],
    ["a/+", "a/", true],
  ])("%s ~ %s → %s", (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe("MQTT 5 response topics (issue 17)", () => {
  const reserved = ["upslink2mqtt", "homeassistant"];
  const problem = (topic: string) => responseTopicProblem(topic, reserved);

  it("accepts ordinary reply topics, including ones that only start like the bridge's own", () => {
    expect(problem("nodered/replies/5f2c")).toBeNull();
    expect(problem("upslink2mqttx/replies")).toBeNull();
    expect(problem("a")).toBeNull();
    expect(problem(`r/${"é".repeat((MAX_RESPONSE_TOPIC_BYTES - 2) / 2)}`)).toBeNull();
  });

  it("refuses what the broker would drop the connection for, or what is not the requester's to name", () => {
    expect(problem("")).toMatch(/empty/);
    expect(problem("x/#")).toMatch(/wildcard/);
    expect(problem("+")).toMatch(/wildcard/);
    expect(problem("a\u0000b")).toMatch(/NUL/);
    expect(problem("a\u0007b")).toMatch(/control/);
    expect(problem("a\u0085b")).toMatch(/control/);
    expect(problem("a\ud800b")).toMatch(/UTF-8/);
    expect(problem("a\ufffdb")).toMatch(/UTF-8/);
    expect(problem("$SYS/x")).toMatch(/broker/);
    expect(problem(`r/${"é".repeat(MAX_RESPONSE_TOPIC_BYTES / 2)}`)).toMatch(/bytes long/);
    expect(problem("upslink2mqtt")).toMatch(/own topics/);
    expect(problem("upslink2mqtt/ups/power_state")).toMatch(/own topics/);
    expect(problem("homeassistant/status")).toMatch(/own topics/);
  });
});
