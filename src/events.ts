// Every event type the bridge itself publishes on `<base>/<ups>/event`, beside the UPS's alerts (the
// catalogue's event rows). One list, so the Home Assistant event entity's `event_types`, the topic
// reference and the emitters cannot drift apart: emitters take their `event_type` from the
// `BridgeEventType` union below, so a new event that is not listed here does not compile.
// Data only: no imports, so every layer may read it.

export const BRIDGE_EVENTS = [
  {
    id: "confirmation_requested",
    description: "a destructive action is pending: `{action, token, expires_at}`",
  },
  {
    id: "confirmation_expired",
    description: "a pending confirmation expired unconfirmed: `{action, token}`",
  },
  { id: "command_executed", description: "an action or setting was carried out" },
  {
    id: "nut_command",
    description:
      "a NUT client's LOGIN, PRIMARY, FSD, SET or INSTCMD, allowed or refused: `{user, address, command, name, value, result}` (`result` is `OK`, or NUT's error word)",
  },
  {
    id: "nut_logout",
    description: "a NUT client that had done LOGIN logged out or went away: `{user, address, command}`",
  },
  {
    id: "shutdown_fsd_raised",
    description:
      "shutdown orchestration (`shutdown.orchestrate`) raised FSD for the NUT clients and waits for them: `{reason, clients: [{user, address, primary}], wait_s}`",
  },
  {
    id: "shutdown_client_logged_out",
    description:
      "a NUT client the orchestration waits for logged out or went away: `{user, address, command, remaining}`",
  },
  {
    id: "shutdown_wait_timeout",
    description:
      "`shutdown.wait_s` passed before every NUT client logged out; shutdown_return follows: `{wait_s, remaining: [{user, address, primary}]}`",
  },
  {
    id: "shutdown_return_sent",
    description:
      "the orchestration's shutdown_return was accepted by the UPS: `{method, reply, power_returned}`",
  },
  {
    id: "shutdown_return_failed",
    description:
      "the orchestration's shutdown_return failed (no method accepted, link down): `{code, message}`; it is not retried",
  },
  {
    id: "shutdown_aborted",
    description:
      "the orchestration stopped before sending shutdown_return (the link was lost and the UPS came back on line): `{reason}`",
  },
  {
    id: "shutdown_fsd_cleared",
    description:
      "the orchestration's FSD was cleared once the outage was over (the UPS back on line): `{reason}`",
  },
] as const satisfies readonly { readonly id: string; readonly description: string }[];

export type BridgeEventType = (typeof BRIDGE_EVENTS)[number]["id"];

/** The bridge's own event types, in the order above. */
export const BRIDGE_EVENT_TYPES: readonly BridgeEventType[] = BRIDGE_EVENTS.map((event) => event.id);
