/**
 * Server-Sent Events framing (WHATWG HTML, "Server-sent events"). Every message ends with a blank line; data is
 * one line of JSON (JSON.stringify escapes line breaks). A message with an `id:` sets the browser's Last-Event-ID,
 * which EventSource sends back on reconnection.
 */

/** A log event: `id` is its global position; the default event type, so `onmessage` receives it. */
export function eventMessage(position: number, json: string): string {
  return `id: ${position}\ndata: ${json}\n\n`;
}

/**
 * A named message with an id: `checkpoint` (the reader has looked at the log up to `id`; nothing it wants lies
 * between the last event and it), `dropped` (the server closes the stream; resume from `lastEventId`).
 */
export function namedMessage(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment: ignored by clients, keeps proxies and load balancers from closing an idle connection. */
export function commentMessage(text: string): string {
  return `: ${text}\n\n`;
}

/** How long EventSource waits before reconnecting. */
export function retryMessage(ms: number): string {
  return `retry: ${ms}\n\n`;
}

/** What `Last-Event-ID` may be: a position, up to 15 digits (always a safe integer), or empty (none). */
export const LAST_EVENT_ID_PATTERN = /^(\d{1,15})?$/;

/** `Last-Event-ID`: a position, null when absent or empty; anything else is malformed. */
export function parseLastEventId(value: string | string[] | undefined): number | null | 'invalid' {
  if (value === undefined) return null;
  const v = Array.isArray(value) ? value[0] : value;
  if (!LAST_EVENT_ID_PATTERN.test(v)) return 'invalid';
  return v === '' ? null : Number(v);
}

/** Response headers of a stream: the event-stream type, and no buffering or transformation by proxies. */
export const STREAM_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-store, no-transform',
  connection: 'keep-alive',
  // nginx (and proxies that follow it) otherwise buffer the response and deliver events in bursts.
  'x-accel-buffering': 'no',
});
