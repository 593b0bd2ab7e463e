import { useEffect, useRef, useState } from 'preact/hooks';
import type { SearchEventsQuery } from '../../../src/modules/events/events.dto';
import { describeError, type QueryOf } from '../api';
import { formatTime, localInputToInstant, moduleClass } from '../format';
import { href, navigate, type Route } from '../router';
import { useSession } from '../session';
import type { EventPage, StoredEvent } from '../types';

/** The filters of GET /v1/events the form offers, named as the API names them. */
type Filters = Partial<
  Record<keyof Pick<SearchEventsQuery, 'q' | 'eventType' | 'aggregateType' | 'aggregateId' | 'userId' | 'organizationId'>, string>
>;
const FILTER_KEYS = ['q', 'eventType', 'aggregateType', 'aggregateId', 'userId', 'organizationId'] as const;
const PAGE_SIZE = 50;

export function SearchView({ route }: { route: Route }) {
  const { api, isAdmin } = useSession();
  const applied: Filters & { from?: string; to?: string } = {};
  for (const k of [...FILTER_KEYS, 'from', 'to'] as const) {
    const v = route.params.get(k);
    if (v) applied[k] = v;
  }
  const key = JSON.stringify(applied);

  const [events, setEvents] = useState<StoredEvent[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  /** The filters the shown total answers (stale while a new search is on its way, for a moment after navigation). */
  const [totalFor, setTotalFor] = useState<string | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const generation = useRef(0);

  const load = async (after: string | null, gen: number) => {
    setLoading(true);
    try {
      const query: QueryOf<SearchEventsQuery> = {
        ...applied,
        from: localInputToInstant(applied.from ?? ''),
        to: localInputToInstant(applied.to ?? ''),
        size: PAGE_SIZE,
        cursor: after ?? undefined,
      };
      const page = await api.get<EventPage>('/v1/events', query);
      if (gen !== generation.current) return;
      setEvents((prev) => (after ? [...prev, ...page.events] : page.events));
      setTotal(page.total);
      setTotalFor(key);
      setCursor(page.nextCursor);
      setError(null);
    } catch (e) {
      if (gen === generation.current) setError(describeError(e));
    } finally {
      if (gen === generation.current) setLoading(false);
    }
  };

  useEffect(() => {
    const gen = ++generation.current;
    setEvents([]);
    setTotal(null);
    setTotalFor(null);
    setCursor(null);
    void load(null, gen);
  }, [key]);

  // Infinite scroll: the next page loads when the end of the list comes into view.
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !cursor) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !loading) void load(cursor, generation.current);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [cursor, loading]);

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search the event history</h1>
      <SearchForm initial={applied} isAdmin={isAdmin} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="total" aria-live="polite" data-testid="search-total" data-filters={totalFor ?? undefined}>
        {total === null ? 'Searching…' : `${total.toLocaleString('en-US')} ${total === 1 ? 'event' : 'events'} match`}
      </p>
      <div class="table-wrap">
        <table class="hits" data-testid="search-results">
          <caption class="sr-only">Matching events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Event</th>
              <th scope="col">Aggregate</th>
              <th scope="col">Version</th>
              <th scope="col">Position</th>
              <th scope="col">User</th>
              <th scope="col">Organization</th>
              <th scope="col">Correlation</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.eventId} data-event-id={e.eventId}>
                <td class="mono">{formatTime(e.timestamp)}</td>
                <td>
                  <a href={href('stream', [e.aggregateId], { version: e.version })} class="event-link">
                    {e.eventType}
                  </a>
                </td>
                <td>
                  <span class={`badge ${moduleClass(e.aggregateType)}`}>{e.aggregateType}</span> <span class="mono">{e.aggregateId}</span>
                </td>
                <td class="num">{e.version}</td>
                <td class="num">{e.position}</td>
                <td>{e.metadata.userId}</td>
                <td>{e.metadata.organizationId}</td>
                <td>
                  <a href={href('correlation', [e.correlationId])} class="mono" title="Open the correlation">
                    {e.correlationId.length > 18 ? `${e.correlationId.slice(0, 18)}…` : e.correlationId}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div ref={sentinel} class="sentinel">
        {cursor ? (
          <button type="button" class="secondary" disabled={loading} onClick={() => void load(cursor, generation.current)}>
            {loading ? 'Loading…' : `Load more (${events.length} of ${total ?? '?'})`}
          </button>
        ) : (
          total !== null && total > 0 && <p class="muted">All {total.toLocaleString('en-US')} shown.</p>
        )}
      </div>
    </section>
  );
}

function SearchForm({ initial, isAdmin }: { initial: Filters & { from?: string; to?: string }; isAdmin: boolean }) {
  const [f, setF] = useState(initial);
  useEffect(() => setF(initial), [JSON.stringify(initial)]);
  const field = (name: keyof typeof f, label: string, props: Record<string, string> = {}) => (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <input id={`f-${name}`} name={name} value={f[name] ?? ''} onInput={(e) => setF({ ...f, [name]: e.currentTarget.value })} {...props} />
    </div>
  );
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(href('search', [], f));
      }}
    >
      <div class="field wide">
        <label for="f-q">Free text</label>
        <input
          id="f-q"
          name="q"
          type="search"
          value={f.q ?? ''}
          placeholder="words in event data or metadata"
          onInput={(e) => setF({ ...f, q: e.currentTarget.value })}
        />
      </div>
      {field('eventType', 'Event type', { placeholder: 'PaymentProcessed' })}
      {field('aggregateType', 'Aggregate type', { placeholder: 'Payment' })}
      {field('aggregateId', 'Aggregate id')}
      {field('userId', 'User')}
      {isAdmin && field('organizationId', 'Organization')}
      {field('from', 'From', { type: 'datetime-local', step: '1' })}
      {field('to', 'To', { type: 'datetime-local', step: '1' })}
      <div class="actions">
        <button type="submit">Search</button>
        <button type="button" class="secondary" onClick={() => navigate(href('search'))}>
          Clear
        </button>
      </div>
    </form>
  );
}
