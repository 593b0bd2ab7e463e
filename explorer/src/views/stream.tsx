import { useEffect, useRef, useState } from 'preact/hooks';
import type { ReadStreamQuery } from '../../../src/modules/events/events.dto';
import type { ReplayQueryDto } from '../../../src/common/dto/replay-query.dto';
import { describeError, type QueryOf } from '../api';
import { diffJson } from '../diff';
import { formatDuration, formatTime, localInputToInstant, moduleClass, REPLAY_PATHS } from '../format';
import { useLoad } from '../hooks';
import { href, navigate, type Route } from '../router';
import { useSession } from '../session';
import type { ReplayState, StoredEvent, StreamSlice } from '../types';

/** The most events of one stream the page reads (in pages of 1,000). */
const MAX_EVENTS = 10_000;

export function StreamView({ route }: { route: Route }) {
  const { api } = useSession();
  const aggregateId = route.args[0];
  const [input, setInput] = useState(aggregateId ?? '');
  useEffect(() => setInput(aggregateId ?? ''), [aggregateId]);

  const stream = useLoad(
    async (signal) => {
      if (!aggregateId) return null;
      let slice: StreamSlice | null = null;
      const events: StoredEvent[] = [];
      do {
        slice = await api.get<StreamSlice>(
          `/v1/aggregates/${encodeURIComponent(aggregateId)}/events`,
          { fromVersion: events.length + 1, maxCount: 1000 } satisfies QueryOf<ReadStreamQuery>,
          signal,
        );
        events.push(...slice.events);
      } while (slice.events.length === 1000 && events.length < Math.min(slice.version, MAX_EVENTS));
      return { ...slice, events };
    },
    [aggregateId],
  );

  const s = stream.data;
  const requested = Number(route.params.get('version'));
  const selectedVersion = s ? (requested >= 1 && requested <= s.events.length ? requested : s.events.length) : 0;
  const select = (v: number) => navigate(href('stream', [aggregateId], { version: v }), true);

  return (
    <section aria-labelledby="stream-title">
      <h1 id="stream-title">
        Stream {aggregateId && <span class="mono">{aggregateId}</span>}
        {s && <span class={`badge ${moduleClass(s.aggregateType)}`}>{s.aggregateType}</span>}
      </h1>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (input.trim()) navigate(href('stream', [input.trim()]));
        }}
      >
        <label for="stream-id">Aggregate id</label>
        <input id="stream-id" value={input} onInput={(e) => setInput(e.currentTarget.value)} class="mono" size={40} />
        <button type="submit">Open</button>
      </form>
      {!aggregateId && <p class="muted">Open an aggregate by id, or follow a search hit.</p>}
      {stream.error && (
        <p class="error" role="alert">
          {stream.error}
        </p>
      )}
      {s && (
        <>
          <p class="muted" data-testid="stream-summary">
            Version {s.version} · {s.events.length} events shown{s.events.length < s.version ? ` (the first ${s.events.length})` : ''}
          </p>
          <div class="stream-grid">
            <EventList events={s.events} selected={selectedVersion} onSelect={select} />
            <div class="stream-detail">
              {REPLAY_PATHS[s.aggregateType] && (
                <Replay
                  key={s.aggregateId}
                  aggregateType={s.aggregateType}
                  aggregateId={s.aggregateId}
                  events={s.events}
                  version={selectedVersion}
                  onVersion={select}
                />
              )}
              {s.events[selectedVersion - 1] && (
                <EventDetail event={s.events[selectedVersion - 1]} previous={s.events[selectedVersion - 2]} />
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}

function EventList({ events, selected, onSelect }: { events: StoredEvent[]; selected: number; onSelect: (v: number) => void }) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    list.current?.querySelector('[aria-current="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  return (
    <ol class="event-list" ref={list} aria-label="Events of the stream" data-testid="stream-events">
      {events.map((e, i) => (
        <li key={e.eventId} aria-current={e.version === selected ? 'true' : undefined} data-version={e.version}>
          <button type="button" onClick={() => onSelect(e.version)}>
            <span class="v">v{e.version}</span>
            <span class="t">{e.eventType}</span>
            <span class="meta">
              pos {e.position} · {formatTime(e.timestamp)}
              {i > 0 && ` · +${formatDuration(Date.parse(e.timestamp) - Date.parse(events[i - 1].timestamp))}`}
            </span>
          </button>
        </li>
      ))}
    </ol>
  );
}

function EventDetail({ event, previous }: { event: StoredEvent; previous?: StoredEvent }) {
  const diff = diffJson(previous?.eventData, event.eventData);
  const changed = diff.filter((d) => d.kind !== 'same');
  const same = diff.length - changed.length;
  return (
    <article class="card" aria-labelledby="event-title" data-testid="event-detail">
      <h2 id="event-title">
        v{event.version} · {event.eventType}
      </h2>
      <dl class="facts">
        <dt>Event id</dt>
        <dd class="mono">{event.eventId}</dd>
        <dt>Position</dt>
        <dd>{event.position}</dd>
        <dt>Recorded</dt>
        <dd class="mono">{event.timestamp}</dd>
        <dt>Correlation</dt>
        <dd>
          <a class="mono" href={href('correlation', [event.correlationId])}>
            {event.correlationId}
          </a>
        </dd>
        <dt>Causation</dt>
        <dd class="mono">{event.causationId ?? '–'}</dd>
        <dt>Schema version</dt>
        <dd>{event.schemaVersion}</dd>
        <dt>Metadata</dt>
        <dd>
          <pre class="json small">{JSON.stringify(event.metadata, null, 2)}</pre>
        </dd>
      </dl>
      <h3>{previous ? `Payload diff from v${previous.version}` : 'Payload (first event)'}</h3>
      <table class="diff" data-testid="payload-diff">
        <caption class="sr-only">Payload changes</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {changed.map((d) => (
            <tr key={d.path} class={`d-${d.kind}`}>
              <th scope="row" class="mono">
                <span class="sr-only">{d.kind} </span>
                {d.path}
              </th>
              <td class="mono">{d.before ?? ''}</td>
              <td class="mono">{d.after ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {same > 0 && <p class="muted">{same} unchanged fields.</p>}
      <details>
        <summary>Full payload</summary>
        <pre class="json">{JSON.stringify(event.eventData, null, 2)}</pre>
      </details>
    </article>
  );
}

/** The aggregate's state as the replay endpoint rebuilds it, at the slider's version or at a chosen moment. */
function Replay(props: {
  aggregateType: string;
  aggregateId: string;
  events: StoredEvent[];
  version: number;
  onVersion: (v: number) => void;
}) {
  const { api } = useSession();
  const [slider, setSlider] = useState(props.version);
  const [at, setAt] = useState('');
  const [query, setQuery] = useState<Pick<ReplayQueryDto, 'version' | 'at'>>({ version: props.version });
  const [state, setState] = useState<{ data?: ReplayState; error?: string; loading: boolean }>({ loading: true });
  useEffect(() => {
    setSlider(props.version);
    setQuery({ version: props.version });
  }, [props.version, props.aggregateId]);

  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const base = REPLAY_PATHS[props.aggregateType];
    api
      .get<ReplayState>(`${base}/${encodeURIComponent(props.aggregateId)}/replay`, query satisfies QueryOf<ReplayQueryDto>, ctrl.signal)
      .then(
        (data) => !ctrl.signal.aborted && setState({ data, loading: false }),
        (e: unknown) => !ctrl.signal.aborted && setState({ error: describeError(e), loading: false }),
      );
    return () => ctrl.abort();
  }, [props.aggregateId, query.version, query.at]);

  const max = props.events.length;
  const event = props.events[slider - 1];
  return (
    <article class="card replay" aria-labelledby="replay-title" data-testid="replay">
      <h2 id="replay-title">Replayed state</h2>
      <div class="slider-row">
        <label for="replay-version">Version</label>
        <input
          id="replay-version"
          type="range"
          min={1}
          max={max}
          step={1}
          value={slider}
          aria-valuetext={event ? `version ${slider}, ${event.eventType}` : `version ${slider}`}
          onInput={(e) => setSlider(Number(e.currentTarget.value))}
          onChange={(e) => props.onVersion(Number(e.currentTarget.value))}
        />
        <output for="replay-version" data-testid="replay-version">
          v{slider} / {max}
        </output>
      </div>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          const instant = localInputToInstant(at);
          if (instant) setQuery({ at: instant });
        }}
      >
        <label for="replay-at">As of</label>
        <input id="replay-at" type="datetime-local" step="1" value={at} onInput={(e) => setAt(e.currentTarget.value)} />
        <button type="submit" class="secondary">
          Replay at this moment
        </button>
      </form>
      <p class="muted" aria-live="polite">
        {state.loading
          ? 'Replaying…'
          : state.data
            ? `State after version ${state.data.version}${query.at ? ` (as of ${query.at})` : ''}`
            : ''}
      </p>
      {state.error && (
        <p class="error" role="alert">
          {state.error}
        </p>
      )}
      {state.data && !state.error && (
        <pre
          class={`json${state.loading ? ' stale' : ''}`}
          data-testid="replay-state"
          data-version={state.data.version}
          aria-busy={state.loading}
        >
          {JSON.stringify(state.data, null, 2)}
        </pre>
      )}
    </article>
  );
}
