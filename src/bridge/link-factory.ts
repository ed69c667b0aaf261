// Builds the link for one configured UPS: the transport its port names, and a session with the
// configured timeouts and retries.
import type { Config, UpsConfig } from "../config/index.js";
import { createTransport } from "../link/create.js";
import { LinkSession } from "../link/session.js";
import type { Logger } from "../log.js";
import type { UpsLink } from "../ups/link.js";

export function createUpsLink(ups: UpsConfig, config: Config, logger: Logger): LinkSession & UpsLink {
  const transport = createTransport(ups.port, { cable: ups.cable, logger: logger.child({ ups: ups.id }) });
  return new LinkSession({
    transport,
    logger: logger.child({ ups: ups.id }),
    options: {
      queryTimeoutMs: config.link.query_timeout_ms,
      queryRetries: config.link.query_retries,
      handshakeRetries: config.link.handshake_retries,
      reconnectMinMs: config.link.reconnect_min_ms,
      reconnectMaxMs: config.link.reconnect_max_ms,
      lostAfterFailures: config.link.lost_after_failures,
    },
  });
}
