// MQTT requests of one UPS (command, set, confirm, cancel) turned into command-service calls, and
// their outcomes published on `response/<id>` in the contract's envelope; an MQTT 5 request with
// an unusable response topic is refused whole (issue 17).
import type { Config } from "../config/index.js";
import type { Logger } from "../log.js";
import type { IncomingMessage, MqttConnection } from "../mqtt/connection.js";
import { envelope, serializeEnvelope } from "../mqtt/envelope.js";
import { MAX_RESPONSE_TOPIC_BYTES, responseTopicProblem } from "../mqtt/topics.js";
import type { Value } from "../protocol/types.js";
import type { CommandService, Outcome } from "../ups/commands.js";
import { parseRequest, type Request } from "./requests.js";
import type { BridgeTopics } from "./topics.js";

export interface RequestHandlerDeps {
  readonly config: Config;
  readonly mqtt: MqttConnection;
  readonly log: Logger;
}

export class RequestHandler {
  constructor(private readonly deps: RequestHandlerDeps) {}

  private get log(): Logger {
    return this.deps.log;
  }

  async handle(topics: BridgeTopics, commands: CommandService, message: IncomingMessage): Promise<void> {
    const request = parseRequest(topics, message);
    if (request === null) return;
    if (message.retain) {
      // A retained command would replay on every reconnect: never act on one (CONTRACT.md).
      this.log.warn(
        { topic: message.topic },
        "ignoring a retained command message; clear it with an empty retained publish",
      );
      return;
    }
    if (message.responseTopic !== undefined) {
      const refusal = this.responseTopicRefusal(message.responseTopic);
      if (refusal !== null) {
        this.log.warn({ topic: message.topic }, refusal);
        // null: answered on response/<id> only, never on the unusable response topic.
        await this.respond(
          topics,
          failed(
            requestId(request),
            { code: "invalid_response_topic", message: refusal },
            request.transaction,
          ),
          null,
        );
        return;
      }
    }
    switch (request.kind) {
      case "invalid":
        await this.respond(topics, failed(request.id, request.error, request.transaction), message);
        return;
      case "command":
        // The command service refuses an unknown id itself (unknown_action), before anything is sent.
        await this.respond(
          topics,
          await commands.command(request.id, request.params, request.transaction),
          message,
        );
        return;
      case "set":
        await this.respond(
          topics,
          await commands.set(request.id, request.value, request.transaction),
          message,
        );
        return;
      case "confirm":
        await this.respond(topics, await commands.confirm(request.selector, request.transaction), message);
        return;
      case "cancel":
        for (const outcome of commands.cancel(request.selector, request.transaction))
          await this.respond(topics, outcome, message);
        return;
    }
  }

  /**
   * A request whose MQTT 5 response topic cannot be used is refused whole: its sender waits on that
   * topic and would never see the answer, and a pending confirmation it never learns of is useless.
   * The refusal goes to the bridge's own response topic only.
   */
  private responseTopicRefusal(responseTopic: string): string | null {
    const { mqtt, homeassistant } = this.deps.config;
    const problem = responseTopicProblem(responseTopic, [mqtt.base_topic, homeassistant.discovery_prefix]);
    if (problem === null) return null;
    return `The MQTT 5 response topic of this request cannot be used: ${problem}. Nothing was done; send the request again with a response topic outside ${mqtt.base_topic}/ and ${homeassistant.discovery_prefix}/ (no + or #, at most ${MAX_RESPONSE_TOPIC_BYTES} bytes), or with none: the answer always comes on ${mqtt.base_topic}/<ups>/response/<id> as well.`;
  }

  /** Publishes an outcome on `response/<id>` in the contract's envelope (the MQTT layer builds it). */
  async respond(topics: BridgeTopics, outcome: Outcome, request: IncomingMessage | null): Promise<void> {
    const text = serializeEnvelope(
      envelope({
        status: outcome.status,
        action: outcome.action,
        data: outcome.data,
        error: outcome.error,
        transaction: outcome.transaction ?? null,
      }),
    );
    const topic = topics.response(outcome.action);
    try {
      // MQTT v5 requests that carry a response topic are answered there as well.
      if (request === null) await this.deps.mqtt.publish(topic, text, { retain: false });
      else await this.deps.mqtt.respond(request, topic, text);
    } catch (error) {
      this.log.warn(
        { topic, err: error instanceof Error ? error.message : String(error) },
        "response not published",
      );
    }
  }
}

/** The outcome of a request refused before it reached the command service. */
function failed(
  action: string,
  error: NonNullable<Outcome["error"]>,
  transaction: Value | undefined,
): Outcome {
  return { status: "error", action, data: null, error, transaction };
}

/** The id a request is answered under (`response/<id>`). */
function requestId(request: Request): string {
  switch (request.kind) {
    case "command":
    case "set":
    case "invalid":
      return request.id;
    case "confirm":
    case "cancel":
      return request.selector !== null && "action" in request.selector
        ? request.selector.action
        : request.kind;
  }
}
