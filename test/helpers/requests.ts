// Request helpers over the integration harness: command, confirm, cancel and set topics of one UPS,
// and the responses they get on `<base>/<ups>/response/<id>`.
import type { Harness } from "./harness.js";

export type Response = Record<string, unknown> & {
  status?: string;
  action?: string;
  data?: unknown;
  error?: { code: string; message: string } | null;
  transaction?: unknown;
};

export interface PendingData {
  readonly token: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly expires_at: string;
  readonly requested_at: string;
}

export function topics(h: Harness, ups = "ups") {
  const root = `${h.base}/${ups}`;
  return {
    command: (action: string) => `${root}/command/${action}`,
    set: (setting: string) => `${root}/set/${setting}`,
    confirm: `${root}/command/confirm`,
    cancel: `${root}/command/cancel`,
    response: (id: string) => `${root}/response/${id}`,
    key: (key: string) => `${root}/${key}`,
    pending: `${root}/pending`,
    event: `${root}/event`,
  };
}

export async function command(h: Harness, action: string, payload = "", ups = "ups"): Promise<Response> {
  return (await h.request(topics(h, ups).command(action), payload, action)) as Response;
}

export async function setting(h: Harness, id: string, payload: string, ups = "ups"): Promise<Response> {
  return (await h.request(topics(h, ups).set(id), payload, id)) as Response;
}

/** Confirms; the answer comes on `response/<responseId>` (the action, or `confirm` for a bad token). */
export async function confirm(
  h: Harness,
  body: Record<string, unknown> | string,
  responseId: string,
  ups = "ups",
): Promise<Response> {
  const payload = typeof body === "string" ? body : JSON.stringify(body);
  return (await h.request(topics(h, ups).confirm, payload, responseId)) as Response;
}

export async function cancel(
  h: Harness,
  body: Record<string, unknown> | string,
  responseId: string,
  ups = "ups",
): Promise<Response> {
  const payload = typeof body === "string" ? body : JSON.stringify(body);
  return (await h.request(topics(h, ups).cancel, payload, responseId)) as Response;
}

/** Requests a destructive action and returns its pending data (asserting the `pending` status). */
export async function requestPending(
  h: Harness,
  action: string,
  params: Record<string, unknown> = {},
  ups = "ups",
): Promise<{ response: Response; pending: PendingData }> {
  const response = await command(h, action, JSON.stringify({ params }), ups);
  if (response.status !== "pending")
    throw new Error(`expected pending for ${action}, got ${JSON.stringify(response)}`);
  return { response, pending: response.data as PendingData };
}

/** Requests and confirms a destructive action by token; returns the final response. */
export async function requestAndConfirm(
  h: Harness,
  action: string,
  params: Record<string, unknown> = {},
  ups = "ups",
): Promise<Response> {
  const { pending } = await requestPending(h, action, params, ups);
  return confirm(h, { token: pending.token }, action, ups);
}

/** Waits for an event of `type` published since message index `since`. */
export async function waitEvent(
  h: Harness,
  type: string,
  since: number,
  ups = "ups",
): Promise<Record<string, unknown>> {
  const message = await h.waitFor(
    topics(h, ups).event,
    (payload) => (JSON.parse(payload) as { event_type?: string }).event_type === type,
    { since },
  );
  return JSON.parse(message.payload) as Record<string, unknown>;
}

/** Responses on `response/<id>` seen since `since`. */
export function responsesSince(h: Harness, id: string, since: number, ups = "ups"): Response[] {
  const topic = topics(h, ups).response(id);
  return h.messages
    .slice(since)
    .filter((m) => m.topic === topic)
    .map((m) => JSON.parse(m.payload) as Response);
}
