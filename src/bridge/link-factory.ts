// Builds the link for one configured UPS: the transport its port names, a session with the
// configured timeouts and retries, and the UPS layer's view of it in catalogue rows.
import type { Config, LinkConfig, UpsConfig } from "../config/index.js";
import { createTransport } from "../link/create.js";
import type { LinkOptions } from "../link/options.js";
import { LinkSession } from "../link/session.js";
import type { Logger } from "../log.js";
import { CatalogueLink } from "../ups/catalogue-link.js";

/** The link's options for the configured `link.*` keys (the rest keep the link's defaults). */
export function linkOptions(link: LinkConfig): Partial<LinkOptions> {
  return {
    queryTimeoutMs: link.query_timeout_ms,
    queryRetries: link.query_retries,
    handshakeRetries: link.handshake_retries,
    reconnectMinMs: link.reconnect_min_ms,
    reconnectMaxMs: link.reconnect_max_ms,
    lostAfterFailures: link.lost_after_failures,
  };
}

export function createUpsLink(ups: UpsConfig, config: Config, logger: Logger): CatalogueLink {
  const transport = createTransport(ups.port, { cable: ups.cable, logger: logger.child({ ups: ups.id }) });
  const session = new LinkSession({
    transport,
    logger: logger.child({ ups: ups.id }),
    options: linkOptions(config.link),
  });
  return new CatalogueLink(session);
}
