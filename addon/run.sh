#!/usr/bin/with-contenv bashio
# shellcheck shell=bash
# Start script of the add-on: the options (and, without a broker of its own, Home Assistant's MQTT
# service) become UPSLINK_* variables (options-env.mjs), then the bridge replaces this shell so it
# receives the Supervisor's SIGTERM directly (it publishes `offline`, closes the port, exits 0).
set -euo pipefail

if ! bashio::config.has_value 'mqtt_url'; then
  if bashio::services.available 'mqtt'; then
    ADDON_MQTT_HOST="$(bashio::services 'mqtt' 'host')"
    ADDON_MQTT_PORT="$(bashio::services 'mqtt' 'port')"
    ADDON_MQTT_SSL="$(bashio::services 'mqtt' 'ssl')"
    ADDON_MQTT_USERNAME="$(bashio::services 'mqtt' 'username')"
    ADDON_MQTT_PASSWORD="$(bashio::services 'mqtt' 'password')"
    export ADDON_MQTT_HOST ADDON_MQTT_PORT ADDON_MQTT_SSL ADDON_MQTT_USERNAME ADDON_MQTT_PASSWORD
    bashio::log.info "Using Home Assistant's MQTT broker at ${ADDON_MQTT_HOST}:${ADDON_MQTT_PORT}"
  else
    bashio::log.warning "No MQTT service found and no broker URL set"
  fi
fi

# Keys the options do not offer (NUT users) come from an optional file in the add-on's config folder;
# the options' variables still win over it.
if [ -f /config/upslink2mqtt.yaml ]; then
  export UPSLINK_CONFIG=/config/upslink2mqtt.yaml
  bashio::log.info "Reading /config/upslink2mqtt.yaml (the add-on's configuration folder)"
fi

# The history (transfer count, time on battery, last transfer and self-test) lives in the add-on's
# own data folder, which the Supervisor keeps across restarts, updates and backups.
export UPSLINK_DATA_DIR=/data

if ! exports="$(node /opt/upslink2mqtt/addon/options-env.mjs /data/options.json)"; then
  bashio::exit.nok "The add-on options cannot work (see the message above)."
fi
eval "${exports}"
unset ADDON_MQTT_PASSWORD

bashio::log.info "Starting upslink2mqtt on ${UPSLINK_UPS_PORT}"
exec node --max-semi-space-size=1 /opt/upslink2mqtt/dist/main.js run
