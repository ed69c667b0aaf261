// Builds the link for one configured UPS: the transport its port names, a session with the
// configured timeouts and retries, and the UPS layer's view of it in catalogue rows.
import type { Config, UpsConfig } from "../config/index.js";
import { createTransport } from "../link/create.js";
import { LinkSession } from "../link/session.js";
import type { Logger } from "../log.js";
import { CatalogueLink } from "../ups/catalogue-link.js";

export function createUpsLink(ups: UpsConfig, config: Config, logger: Logger): CatalogueLink {
  const transport = createTransport(ups.port, { cable: ups.cable, logger: logger.child({ ups: ups.id }) });
  const session = new LinkSession({
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
  return new CatalogueLink(session);
}
