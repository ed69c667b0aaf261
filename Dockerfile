# syntax=docker/dockerfile:1
# upslink2mqtt container image: Node.js 24 LTS, production dependencies only, runs as a non-root
# user in the `dialout` group (which owns /dev/ttyS* and /dev/ttyUSB* on most hosts).
#
#   docker build -t upslink2mqtt .
#   docker run -d --name upslink2mqtt --restart unless-stopped \
#     --device /dev/ttyUSB0 -e UPSLINK_UPS_PORT=/dev/ttyUSB0 -e UPSLINK_MQTT_URL=mqtt://broker:1883 \
#     upslink2mqtt
#   # or with a configuration file:
#   docker run ... -v ./config.yaml:/config/config.yaml:ro -e UPSLINK_CONFIG=/config/config.yaml upslink2mqtt
#
# test/packaging/production.test.ts builds the same production tree (`npm ci --omit=dev` + dist/) in a
# temporary directory and runs the bridge from it, since CI has no Docker engine.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile TypeScript with the full (dev) dependency tree ----------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# .npmrc: no dependency install scripts (nothing to compile; see its comment).
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# ---- deps: production dependencies only --------------------------------------------------------
# --ignore-scripts: nothing needs an install script; serialport's native binding ships prebuilt
# for linux x64/arm64 (glibc and musl) inside @serialport/bindings-cpp.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error && npm cache clean --force

# ---- runtime -----------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="upslink2mqtt" \
      org.opencontainers.image.description="APC Smart-UPS (UPS-Link over RS-232) to MQTT bridge with Home Assistant discovery" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/upslink2mqtt/upslink2mqtt"

# A fixed uid so file permissions on a mounted /config are predictable; primary group dialout for
# the serial device. The Debian node image already has `dialout` (gid 20).
RUN useradd --system --uid 10001 --gid dialout --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin upslink2mqtt \
 && mkdir -p /config && chown upslink2mqtt:dialout /config

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json config.schema.json README.md LICENSE ./

ENV NODE_ENV=production \
    UPSLINK_HEALTH_FILE=/tmp/upslink2mqtt-health.json

USER upslink2mqtt:dialout

# The health check reads the status file the bridge rewrites every few seconds: healthy while it is
# fresh, the broker is connected and every UPS link is online (`upslink2mqtt health`).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "/app/dist/main.js", "health"]

# Exec form: node is PID 1 and receives SIGTERM itself. PID 1 gets no default signal handlers, so
# the bridge installs its own (src/start.ts): on SIGTERM it publishes `offline`, closes the port and
# exits 0. It starts no child processes, so there are no zombies to reap.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=1", "/app/dist/main.js"]
CMD ["run"]
