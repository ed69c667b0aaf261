// A real MQTT broker for tests, found in this order: MQTT_TEST_URL; an eclipse-mosquitto container
// when a Docker engine answers; the local mosquitto binary on a free loopback port; the embedded
// aedes broker (MQTT 3.1.1 only). Plus a tiny client helper for assertions.
//
// A test that needs what only an MQTT 5 broker does (retain as published, response topics) skips
// itself on the embedded broker with `NEEDS_MQTT5` as its reason; under CI a skip fails the run
// (test/setup/no-skips.ts), and .ci/run installs mosquitto.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { type EmbeddedBroker, startEmbeddedBroker } from "../../src/mqtt/embedded-broker.js";
import { waitForValue, waitUntil } from "./wait.js";

export type BrokerKind = "env" | "testcontainers" | "mosquitto" | "embedded";

export interface TestBroker {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly kind: BrokerKind;
  /** Whether the broker speaks MQTT 5 (aedes does not). */
  readonly mqtt5: boolean;
  stop(): Promise<void>;
  /** Stops and starts the broker on the same port (clients see an outage). */
  restart(): Promise<void>;
  /** Stops the broker without starting it again; `resume()` brings it back on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

export interface TestBrokerOptions {
  /** The test restarts the broker: skip MQTT_TEST_URL (an external broker cannot be restarted). */
  readonly restartable?: boolean;
}

const MOSQUITTO = "/usr/sbin/mosquitto";

/** The reason a test gives when it skips itself because the broker lacks MQTT 5. */
export const NEEDS_MQTT5 =
  "needs an MQTT 5 broker (retain as published, response topics); the embedded broker, used when neither mosquitto nor Docker is here (or with UPSLINK_TEST_BROKER=embedded), speaks MQTT 3.1.1";

export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  // UPSLINK_TEST_BROKER=mosquitto|embedded forces one kind (to exercise the fallbacks).
  const forced = process.env.UPSLINK_TEST_BROKER;
  if (forced === "embedded") return embeddedBroker();
  if (forced === "mosquitto") return mosquittoBroker();
  const external = process.env.MQTT_TEST_URL;
  if (external !== undefined && external !== "" && options.restartable !== true)
    return externalBroker(external);
  if (await dockerAnswers()) return containerBroker();
  if (existsSync(MOSQUITTO)) return mosquittoBroker();
  return embeddedBroker();
}

function externalBroker(url: string): TestBroker {
  const parsed = new URL(url);
  const unsupported = async (): Promise<void> => {
    throw new Error("MQTT_TEST_URL points at an external broker, which tests cannot restart");
  };
  return {
    url,
    host: parsed.hostname,
    port: Number(parsed.port || 1883),
    kind: "env",
    mqtt5: true,
    stop: async () => {},
    restart: unsupported,
    pause: unsupported,
    resume: unsupported,
  };
}

/** A quick `GET /_ping` on the Docker socket (or DOCKER_HOST over TCP): no engine, no wait. */
async function dockerAnswers(): Promise<boolean> {
  const dockerHost = process.env.DOCKER_HOST;
  const socketPath = "/var/run/docker.sock";
  let target: { socketPath: string } | { host: string; port: number };
  if (dockerHost?.startsWith("tcp://")) {
    const url = new URL(dockerHost.replace(/^tcp:/, "http:"));
    target = { host: url.hostname, port: Number(url.port || 2375) };
  } else if (dockerHost?.startsWith("unix://")) {
    target = { socketPath: dockerHost.slice("unix://".length) };
  } else if (existsSync(socketPath)) {
    target = { socketPath };
  } else {
    return false;
  }
  return new Promise((resolve) => {
    const req = request({ ...target, path: "/_ping", method: "GET", timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const open = (): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const socket = createConnection({ host, port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  await waitUntil(`the broker to listen on ${host}:${port}`, open, { timeoutMs, intervalMs: 50 });
}

async function containerBroker(): Promise<TestBroker> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const port = await freePort();
  // mosquitto runs in a loop that a flag file holds off, so tests can take the broker down and bring
  // it back on the same port without recreating the container.
  const loop =
    "while true; do if [ ! -f /tmp/down ]; then mosquitto -c /mosquitto/config/mosquitto.conf; fi; sleep 0.1; done";
  const container = await new GenericContainer("eclipse-mosquitto:2")
    .withCopyContentToContainer([
      {
        content: "listener 1883\nallow_anonymous true\npersistence false\n",
        target: "/mosquitto/config/mosquitto.conf",
      },
    ])
    .withCommand(["sh", "-c", loop])
    // A fixed host port so an outage keeps the URL clients were given.
    .withExposedPorts({ container: 1883, host: port })
    .withWaitStrategy(Wait.forListeningPorts())
    .start();
  const host = container.getHost();
  let running = true;
  const pause = async (): Promise<void> => {
    await container.exec(["sh", "-c", "touch /tmp/down; pkill -KILL mosquitto; true"]);
  };
  const resume = async (): Promise<void> => {
    await container.exec(["sh", "-c", "rm -f /tmp/down"]);
    await waitForPort(host, port, 30_000);
  };
  return {
    url: `mqtt://${host}:${port}`,
    host,
    port,
    kind: "testcontainers",
    mqtt5: true,
    stop: async () => {
      if (!running) return;
      running = false;
      await container.stop();
    },
    restart: async () => {
      await pause();
      await resume();
    },
    pause,
    resume,
  };
}

async function mosquittoBroker(): Promise<TestBroker> {
  const host = "127.0.0.1";
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "upslink-mosquitto-"));
  const configFile = join(dir, "mosquitto.conf");
  writeFileSync(configFile, `listener ${port} ${host}\nallow_anonymous true\npersistence false\n`);
  let child: ChildProcess | null = null;
  let stopped = false;

  const launch = async (): Promise<void> => {
    const proc = spawn(MOSQUITTO, ["-c", configFile], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child = proc;
    const exited = new Promise<never>((_, reject) => {
      proc.once("exit", (code) => reject(new Error(`mosquitto exited (${code}): ${stderr.trim()}`)));
    });
    exited.catch(() => {});
    await Promise.race([waitForPort(host, port, 10_000), exited]);
  };
  const kill = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGKILL");
    });
  };

  await launch();
  return {
    url: `mqtt://${host}:${port}`,
    host,
    port,
    kind: "mosquitto",
    mqtt5: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await kill();
      await launch();
    },
    pause: kill,
    resume: launch,
  };
}

async function embeddedBroker(): Promise<TestBroker> {
  let broker: EmbeddedBroker = await startEmbeddedBroker({ host: "127.0.0.1", port: 0 });
  const port = broker.port;
  let running = true;
  const pause = async (): Promise<void> => {
    if (!running) return;
    running = false;
    await broker.close();
  };
  const resume = async (): Promise<void> => {
    if (running) return;
    broker = await startEmbeddedBroker({ host: "127.0.0.1", port });
    running = true;
  };
  return {
    url: broker.url,
    host: broker.host,
    port,
    kind: "embedded",
    mqtt5: false,
    stop: pause,
    restart: async () => {
      await pause();
      await resume();
    },
    pause,
    resume,
  };
}

// ---- a tiny client for assertions ----

export interface ReceivedMessage {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
  readonly correlationData?: Buffer;
}

export async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 200, connectTimeout: 10_000, ...options });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  return client;
}

/** Records every message on `filter` (after the subscription is acknowledged). */
export async function collect(
  client: MqttClient,
  filter: string,
): Promise<{ readonly messages: ReceivedMessage[]; stop(): Promise<void> }> {
  const messages: ReceivedMessage[] = [];
  const onMessage = (topic: string, payload: Buffer, packet: mqtt.IPublishPacket): void => {
    if (!matches(filter, topic)) return;
    const correlationData = packet.properties?.correlationData;
    messages.push({
      topic,
      payload: payload.toString("utf8"),
      retain: packet.retain,
      ...(correlationData === undefined ? {} : { correlationData }),
    });
  };
  client.on("message", onMessage);
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    messages,
    stop: async () => {
      client.off("message", onMessage);
      await client.unsubscribeAsync(filter);
    },
  };
}

/**
 * Waits until `messages` (a list `collect` keeps filling) holds a message on `topic` matching
 * `predicate`, looking from index `since`. The timeout only bounds a failing test; the error shows
 * the last payloads seen on the topic and, when given, more context.
 */
export async function waitInRecorded(
  messages: readonly ReceivedMessage[],
  topic: string,
  predicate: (payload: string) => boolean = () => true,
  options: { readonly since?: number; readonly timeoutMs?: number; readonly context?: () => string } = {},
): Promise<ReceivedMessage> {
  const { since = 0, timeoutMs = 15_000 } = options;
  return waitForValue(
    `a matching message on ${topic}`,
    () => messages.slice(since).find((m) => m.topic === topic && predicate(m.payload)),
    {
      timeoutMs,
      context: () => {
        const payloads = messages.filter((m) => m.topic === topic).map((m) => m.payload);
        const more = options.context === undefined ? "" : `\n${options.context()}`;
        return `last seen on ${topic}: ${JSON.stringify(payloads.slice(-5))}${more}`;
      },
    },
  );
}

function matches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (t[i] === undefined || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/**
 * Subscribes to `topic` and resolves with the first message satisfying `predicate` (retained ones
 * included). The timeout only bounds a failing test; it is not a timed assertion.
 */
export async function waitForMessage(
  client: MqttClient,
  topic: string,
  predicate: (message: ReceivedMessage) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<ReceivedMessage> {
  let onMessage: ((topic: string, payload: Buffer, packet: mqtt.IPublishPacket) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const found = new Promise<ReceivedMessage>((resolve, reject) => {
    onMessage = (received, payload, packet) => {
      if (!matches(topic, received)) return;
      const correlationData = packet.properties?.correlationData;
      const message: ReceivedMessage = {
        topic: received,
        payload: payload.toString("utf8"),
        retain: packet.retain,
        ...(correlationData === undefined ? {} : { correlationData }),
      };
      if (predicate(message)) resolve(message);
    };
    timer = setTimeout(
      () => reject(new Error(`no matching message on ${topic} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.on("message", onMessage);
  });
  try {
    await client.subscribeAsync(topic, { qos: 1 });
    return await found;
  } finally {
    clearTimeout(timer);
    if (onMessage !== undefined) client.off("message", onMessage);
  }
}

/**
 * What a subscriber arriving now sees retained on `filters` (topic → payload): a fresh client
 * subscribes, then publishes a marker on a topic of its own; the broker sends a subscription's
 * retained messages before it handles anything the client publishes after it, so once the marker is
 * back every retained message is in. A message delivered live (published after the subscription)
 * does not count: only the retained copy a later subscriber would get.
 */
export async function retainedNow(url: string, filters: readonly string[]): Promise<Map<string, string>> {
  const fresh = await connectClient(url);
  try {
    const seen = await Promise.all(filters.map((filter) => collect(fresh, filter)));
    const marker = `upslink-test-marker/${Math.random().toString(16).slice(2, 10)}`;
    const echo = await collect(fresh, marker);
    await fresh.publishAsync(marker, "x", { qos: 1 });
    await waitUntil("the marker to come back", () => echo.messages.length > 0, { timeoutMs: 10_000 });
    const retained = new Map<string, string>();
    for (const list of seen) for (const m of list.messages) if (m.retain) retained.set(m.topic, m.payload);
    return retained;
  } finally {
    await fresh.endAsync(true);
  }
}
