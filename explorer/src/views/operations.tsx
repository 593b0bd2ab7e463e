import { useState } from 'preact/hooks';
import { describeError } from '../api';
import { formatNumber, formatTime } from '../format';
import { useInterval, useLoad } from '../hooks';
import { href } from '../router';
import { useSession } from '../session';
import type { ProjectionStatus } from '../types';
import { useOpenApiPaths } from './openapi-paths';

/** Projections and sagas (GET /v1/projections, admin only), refreshed every 2 s while shown. */
export function OperationsView() {
  const { api, isAdmin } = useSession();
  const status = useLoad(
    (signal) => (isAdmin ? api.get<ProjectionStatus[]>('/v1/projections', {}, signal) : Promise.resolve([])),
    [isAdmin],
  );
  useInterval(() => isAdmin && status.reload(), 2000);
  const paths = useOpenApiPaths();
  const [message, setMessage] = useState<string | null>(null);

  if (!isAdmin)
    return (
      <section aria-labelledby="ops-title">
        <h1 id="ops-title">Operations</h1>
        <p class="notice" data-testid="ops-forbidden">
          Projections, sagas and rebuilds are for administrators: this token has no <code>admin</code> role.
        </p>
      </section>
    );

  const rebuild = async (name: string) => {
    if (!confirm(`Rebuild the projection “${name}” from position 0? The current read model keeps serving until the new one is ready.`))
      return;
    try {
      const r = await api.post<{ rebuildId: string }>(`/v1/projections/${encodeURIComponent(name)}/rebuild`);
      setMessage(`Rebuild ${r.rebuildId} of ${name} requested.`);
      status.reload();
    } catch (e) {
      setMessage(`Rebuild of ${name} refused: ${describeError(e)}`);
    }
  };

  const rows = status.data ?? [];
  const parkedOps = paths && paths.some((p) => /parked/.test(p));
  return (
    <section aria-labelledby="ops-title">
      <h1 id="ops-title">Operations</h1>
      {status.error && (
        <p class="error" role="alert">
          {status.error}
        </p>
      )}
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      <div class="table-wrap">
        <table class="data ops" data-testid="ops-table">
          <caption class="sr-only">Projections and sagas</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Position</th>
              <th scope="col">Head</th>
              <th scope="col">Lag</th>
              <th scope="col">Events/s</th>
              <th scope="col">Owner</th>
              <th scope="col">Rebuild</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.name} data-name={p.name}>
                <th scope="row" class="mono">
                  {p.name}
                </th>
                <td>{p.kind}</td>
                <td>
                  <span class={`state s-${p.state}`}>{p.state}</span>
                  {p.lastError && <div class="error small">{p.lastError}</div>}
                </td>
                <td class="num">{formatNumber(p.position)}</td>
                <td class="num">{formatNumber(p.headPosition)}</td>
                <td class="num">
                  <Progress value={p.position} max={p.headPosition} label={`${p.name} caught up`} />
                  {formatNumber(p.lag)}
                </td>
                <td class="num">{formatNumber(p.eventsPerSecond, 1)}</td>
                <td class="mono small">
                  {p.owner ?? '–'}
                  {p.leaseExpiresAt && <div class="muted">lease to {formatTime(p.leaseExpiresAt)}</div>}
                </td>
                <td class="small">
                  {p.rebuild ? (
                    <>
                      <span class={`state s-${p.rebuild.state}`}>{p.rebuild.state}</span>{' '}
                      <Progress
                        value={p.rebuild.eventsDone}
                        max={p.rebuild.eventsDone + p.rebuild.remaining}
                        label={`rebuild of ${p.name}`}
                      />
                      {formatNumber(p.rebuild.eventsDone)} done, {formatNumber(p.rebuild.remaining)} to go
                      {p.rebuild.error && <div class="error">{p.rebuild.error}</div>}
                    </>
                  ) : p.lastRebuild ? (
                    <span class="muted">last completed {formatTime(p.lastRebuild.completedAt)}</span>
                  ) : (
                    <span class="muted">–</span>
                  )}
                </td>
                <td>
                  {p.kind === 'projection' && (
                    <button type="button" class="secondary small" onClick={() => void rebuild(p.name)} disabled={p.state === 'rebuilding'}>
                      Rebuild<span class="sr-only"> {p.name}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Parked events</h2>
      {!parkedOps && (
        <p class="muted" data-testid="parked-actions-unavailable">
          Replaying or skipping a parked event needs an API this service does not offer yet; parked events are listed here as the status
          reports them.
        </p>
      )}
      {rows.every((p) => !p.parked?.length) ? (
        <p class="muted">No saga has parked an event.</p>
      ) : (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Saga</th>
                <th scope="col">Event</th>
                <th scope="col">Position</th>
                <th scope="col">Attempts</th>
                <th scope="col">Parked at</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {rows.flatMap((p) =>
                (p.parked ?? []).map((e) => (
                  <tr key={`${p.name}/${e.eventId}`}>
                    <th scope="row" class="mono">
                      {p.name}
                    </th>
                    <td>
                      <a href={href('search', [], { aggregateId: e.aggregateId, eventType: e.eventType })}>{e.eventType}</a>{' '}
                      <span class="mono muted">{e.aggregateId}</span>
                    </td>
                    <td class="num">{e.position}</td>
                    <td class="num">{e.attempts}</td>
                    <td class="mono">{formatTime(e.parkedAt)}</td>
                    <td class="error small">{e.error}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      )}
      <ConsumerGroups paths={paths} />
    </section>
  );
}

function Progress({ value, max, label }: { value: number; max: number; label: string }) {
  return <progress class="lag" value={Math.min(value, max)} max={Math.max(1, max)} aria-label={label} />;
}

/** Consumer groups of the log API, shown when the service has them (GET /v1/log/consumer-groups or alike). */
function ConsumerGroups({ paths }: { paths: string[] | null }) {
  const { api } = useSession();
  const path = paths?.find((p) => /^\/v1\/log\/(consumer-)?groups$/.test(p)) ?? null;
  const groups = useLoad((signal) => (path ? api.get<unknown>(path, {}, signal) : Promise.resolve(null)), [path]);
  useInterval(() => path && groups.reload(), 2000);
  return (
    <>
      <h2>Consumer groups</h2>
      {!path ? (
        <p class="muted" data-testid="groups-unavailable">
          This service has no consumer groups yet.
        </p>
      ) : groups.error ? (
        <p class="error">{groups.error}</p>
      ) : (
        <ConsumerGroupTable data={groups.data} />
      )}
    </>
  );
}

function ConsumerGroupTable({ data }: { data: unknown }) {
  const list = (
    Array.isArray(data)
      ? data
      : ((data as { groups?: unknown[]; items?: unknown[] } | null)?.groups ?? (data as { items?: unknown[] } | null)?.items ?? [])
  ) as Record<string, unknown>[];
  if (list.length === 0) return <p class="muted">No consumer group.</p>;
  const cols = [...new Set(list.flatMap((g) => Object.keys(g)))].filter((c) => list.some((g) => typeof g[c] !== 'object' || g[c] === null));
  return (
    <div class="table-wrap">
      <table class="data" data-testid="groups-table">
        <thead>
          <tr>
            {cols.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {list.map((g, i) => (
            <tr key={i}>
              {cols.map((c) => (
                <td key={c} class="mono small">
                  {g[c] === undefined || g[c] === null ? '–' : String(g[c])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
