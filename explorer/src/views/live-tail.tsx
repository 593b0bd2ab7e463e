import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, describeError, queryString } from '../api';
import { formatTime, moduleClass } from '../format';
import { href } from '../router';
import { tokenStore } from '../session';
import type { StoredEvent } from '../types';
import { useOpenApiPaths } from './openapi-paths';

const LOG_PATH = '/v1/log';
const STREAM_PATH = '/v1/log/stream';
/** Positions before the head a new tail starts from. */
const BACKLOG = 100;
const KEEP = 500;

/**
 * New events as the service's log stream (Server-Sent Events) delivers them. EventSource cannot send an
 * Authorization header, so the stream is read with fetch and parsed here.
 */
export function LiveTailView() {
  const paths = useOpenApiPaths();
  const available = paths?.includes(STREAM_PATH) ?? null;
  return (
    <section aria-labelledby="live-title">
      <h1 id="live-title">Live tail</h1>
      {available === null && <p class="muted">Looking for the log stream…</p>}
      {available === false && (
        <p class="notice" data-testid="live-unavailable">
          Not available: this service has no log stream (<code>GET {STREAM_PATH}</code>) yet. Search shows every recorded event meanwhile.
        </p>
      )}
      {available && <Tail />}
    </section>
  );
}

function Tail() {
  const [events, setEvents] = useState<StoredEvent[]>([]);
  const [state, setState] = useState<'connecting' | 'live' | 'paused' | 'error'>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [running, setRunning] = useState(true);
  /** Position of the last message (its id): a reconnection (pause, new filter) resumes after it. */
  const last = useRef<string | null>(null);

  useEffect(() => {
    if (!running) {
      setState('paused');
      return;
    }
    const ctrl = new AbortController();
    setState('connecting');
    void (async () => {
      try {
        const authorization = `Bearer ${tokenStore.get() ?? ''}`;
        // A tail starts near the head (the last BACKLOG positions, whatever the caller may see of them), not at position 0.
        let after = last.current;
        if (after === null) {
          const page = await fetch(`${LOG_PATH}?limit=1`, { headers: { authorization }, signal: ctrl.signal });
          const head = page.ok ? ((await page.json()) as { head?: number }).head : undefined;
          after = String(Math.max(0, (head ?? 0) - BACKLOG));
        }
        const headers: Record<string, string> = { authorization, accept: 'text/event-stream' };
        const res = await fetch(STREAM_PATH + queryString({ after, eventType: filter || undefined }), { headers, signal: ctrl.signal });
        if (!res.ok || !res.body) {
          const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
          throw new ApiError(res.status, body.error ?? `HTTP ${res.status}`, body.message ?? res.statusText);
        }
        setState('live');
        for await (const message of sseMessages(res.body)) {
          if (message.id) last.current = message.id;
          const got = eventsOf(message.data);
          if (got.length) setEvents((prev) => [...got.reverse(), ...prev].slice(0, KEEP));
        }
        if (!ctrl.signal.aborted) {
          setState('error');
          setError('The stream ended.');
        }
      } catch (e) {
        if (ctrl.signal.aborted) return;
        setState('error');
        setError(describeError(e));
      }
    })();
    return () => ctrl.abort();
  }, [running, filter]);

  return (
    <>
      <form class="inline" onSubmit={(e) => e.preventDefault()}>
        <label for="live-type">Event type</label>
        <input
          id="live-type"
          value={filter}
          onChange={(e) => {
            last.current = null;
            setEvents([]);
            setFilter(e.currentTarget.value);
          }}
          placeholder="all"
        />
        <button type="button" class="secondary" onClick={() => setRunning(!running)}>
          {running ? 'Pause' : 'Resume'}
        </button>
        <span class={`state s-${state}`} role="status" data-testid="live-state">
          {state}
        </span>
      </form>
      {error && <p class="error">{error}</p>}
      <ol class="live" aria-label="Newest events first" data-testid="live-events">
        {events.map((e) => (
          <li key={e.eventId}>
            <span class="mono muted">{formatTime(e.timestamp)}</span>{' '}
            <span class={`badge ${moduleClass(e.aggregateType)}`}>{e.aggregateType}</span>{' '}
            <a href={href('stream', [e.aggregateId], { version: e.version })}>{e.eventType}</a>{' '}
            <span class="mono muted">{e.aggregateId}</span> <span class="muted">pos {e.position}</span>
          </li>
        ))}
      </ol>
    </>
  );
}

interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Server-Sent Events framing (text/event-stream): messages end at a blank line. */
async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const m: SseMessage = { data: '' };
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'data') data.push(v);
        else if (field === 'id') m.id = v;
        else if (field === 'event') m.event = v;
      }
      m.data = data.join('\n');
      if (m.data) yield m;
    }
  }
}

function eventsOf(data: string): StoredEvent[] {
  try {
    const v = JSON.parse(data) as StoredEvent | { events?: StoredEvent[] } | StoredEvent[];
    if (Array.isArray(v)) return v.filter(isEvent);
    if (isEvent(v)) return [v];
    return (v.events ?? []).filter(isEvent);
  } catch {
    return [];
  }
}

function isEvent(v: unknown): v is StoredEvent {
  return typeof v === 'object' && v !== null && 'eventId' in v && 'eventType' in v;
}
