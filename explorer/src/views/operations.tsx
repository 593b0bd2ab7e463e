import { useState } from 'preact/hooks';
import { describeError } from '../api';
import { formatNumber, formatTime } from '../format';
import { useInterval, useLoad } from '../hooks';
import { href } from '../router';
import { useSession } from '../session';
import type { ConsumerGroupStatus, ParkedEvent, ProjectionStatus } from '../types';
import { useOpenApiPaths } from './openapi-paths';

/**
 * Projections and sagas (GET /v1/projections, admin only) with their parked events, and the organization's consumer
 * groups (GET /v1/consumer-groups, any reader) with theirs; refreshed every 2 s while shown.
 */
export function OperationsView() {
  const { api, isAdmin } = useSession();
  const status = useLoad(
    (signal) => (isAdmin ? api.get<ProjectionStatus[]>('/v1/projections', {}, signal) : Promise.resolve([])),
    [isAdmin],
  );
  useInterval(() => isAdmin && status.reload(), 2000);
  const paths = useOpenApiPaths();
  const [message, setMessage] = useState<string | null>(null);
  const act = async (label: string, run: () => Promise<unknown>, reload: () => void) => {
    try {
      await run();
      setMessage(`${label}: done.`);
    } catch (e) {
      setMessage(`${label} refused: ${describeError(e)}`);
    }
    reload();
  };

  const rebuild = (name: string) => {
    if (!confirm(`Rebuild the projection “${name}” from position 0? The current read model keeps serving until the new one is ready.`))
      return;
    void act(`Rebuild of ${name}`, () => api.post(`/v1/projections/${encodeURIComponent(name)}/rebuild`), status.reload);
  };
  const sagaParkedActions = !!paths?.includes('/v1/sagas/:param/parked/:param/replay');
  const onParked = (saga: string, e: ParkedEvent, action: 'replay' | 'skip') =>
    void act(
      `${action === 'replay' ? 'Replay' : 'Skip'} of ${e.eventType} for ${saga}`,
      () => api.post(`/v1/sagas/${encodeURIComponent(saga)}/parked/${encodeURIComponent(e.eventId)}/${action}`),
      status.reload,
    );

  const rows = (status.data ?? []).filter((p) => p.kind === 'projection' || p.kind === 'saga');
  return (
    <section aria-labelledby="ops-title">
      <h1 id="ops-title">Operations</h1>
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      <h2>Projections and sagas</h2>
      {!isAdmin ? (
        <p class="notice" data-testid="ops-forbidden">
          Projections, sagas and rebuilds are for administrators: this token has no <code>admin</code> role.
        </p>
      ) : (
        <>
          {status.error && (
            <p class="error" role="alert">
              {status.error}
            </p>
          )}
          <ProjectionTable rows={rows} onRebuild={rebuild} />
          <h2>Parked events of sagas</h2>
          {rows.every((p) => !p.parked?.length) ? (
            <p class="muted">No saga has parked an event.</p>
          ) : (
            <ParkedTable
              owner="Saga"
              entries={rows.flatMap((p) => (p.parked ?? []).map((e) => ({ owner: p.name, event: e })))}
              onAction={sagaParkedActions ? onParked : undefined}
            />
          )}
          {!sagaParkedActions && (
            <p class="muted">Replaying or skipping a saga’s parked event needs an API this service does not offer yet.</p>
          )}
        </>
      )}
      <ConsumerGroups paths={paths} onMessage={setMessage} />
    </section>
  );
}

function ProjectionTable({ rows, onRebuild }: { rows: ProjectionStatus[]; onRebuild: (name: string) => void }) {
  return (
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
                  <button type="button" class="secondary small" onClick={() => onRebuild(p.name)} disabled={p.state === 'rebuilding'}>
                    Rebuild<span class="sr-only"> {p.name}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ParkedTable(props: {
  owner: string;
  entries: { owner: string; event: ParkedEvent }[];
  onAction?: (owner: string, e: ParkedEvent, action: 'replay' | 'skip') => void;
}) {
  return (
    <div class="table-wrap">
      <table class="data" data-testid={`parked-${props.owner.toLowerCase().replace(/\s+/g, '-')}`}>
        <thead>
          <tr>
            <th scope="col">{props.owner}</th>
            <th scope="col">Event</th>
            <th scope="col">Position</th>
            <th scope="col">Attempts</th>
            <th scope="col">Parked at</th>
            <th scope="col">Error</th>
            {props.onAction && (
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {props.entries.map(({ owner, event: e }) => (
            <tr key={`${owner}/${e.eventId}`}>
              <th scope="row" class="mono">
                {owner}
              </th>
              <td>
                <a href={href('search', [], { aggregateId: e.aggregateId, eventType: e.eventType })}>{e.eventType}</a>{' '}
                <span class="mono muted">{e.aggregateId}</span>
              </td>
              <td class="num">{e.position}</td>
              <td class="num">{e.attempts}</td>
              <td class="mono">{formatTime(e.parkedAt)}</td>
              <td class="error small">{e.error}</td>
              {props.onAction && (
                <td class="nowrap">
                  <button type="button" class="secondary small" onClick={() => props.onAction?.(owner, e, 'replay')}>
                    Replay
                    <span class="sr-only">
                      {' '}
                      {e.eventType} for {owner}
                    </span>
                  </button>{' '}
                  <button type="button" class="secondary small" onClick={() => props.onAction?.(owner, e, 'skip')}>
                    Skip
                    <span class="sr-only">
                      {' '}
                      {e.eventType} for {owner}
                    </span>
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Progress({ value, max, label }: { value: number; max: number; label: string }) {
  return <progress class="lag" value={Math.min(value, max)} max={Math.max(1, max)} aria-label={label} />;
}

/** The organization's consumer groups (GET /v1/consumer-groups), when the service has them, with their parked events. */
function ConsumerGroups({ paths, onMessage }: { paths: string[] | null; onMessage: (m: string) => void }) {
  const { api, isAdmin } = useSession();
  const available = paths?.includes('/v1/consumer-groups') ?? false;
  const groups = useLoad(
    async (signal) => {
      if (!available) return null;
      const list = await api.get<{ groups: ConsumerGroupStatus[] }>('/v1/consumer-groups', {}, signal);
      const parked = await Promise.all(
        list.groups
          .filter((g) => g.parkedCount > 0)
          .map(async (g) => ({
            group: g.name,
            parked: (await api.get<{ parked: ParkedEvent[] }>(`/v1/consumer-groups/${encodeURIComponent(g.name)}/parked`, {}, signal))
              .parked,
          })),
      );
      return { groups: list.groups, parked };
    },
    [available],
  );
  useInterval(() => available && groups.reload(), 2000);
  const actions = isAdmin && !!paths?.includes('/v1/consumer-groups/:param/parked/:param/replay');
  const onAction = async (group: string, e: ParkedEvent, action: 'replay' | 'skip') => {
    try {
      await api.post(`/v1/consumer-groups/${encodeURIComponent(group)}/parked/${encodeURIComponent(e.eventId)}/${action}`);
      onMessage(`${action === 'replay' ? 'Replay' : 'Skip'} of ${e.eventType} for ${group}: done.`);
    } catch (err) {
      onMessage(`${action} refused: ${describeError(err)}`);
    }
    groups.reload();
  };
  const data = groups.data;
  return (
    <>
      <h2>Consumer groups</h2>
      {paths !== null && !available ? (
        <p class="muted" data-testid="groups-unavailable">
          This service has no consumer groups yet.
        </p>
      ) : groups.error ? (
        <p class="error">{groups.error}</p>
      ) : !data ? null : data.groups.length === 0 ? (
        <p class="muted" data-testid="groups-empty">
          This organization has no consumer group.
        </p>
      ) : (
        <>
          <div class="table-wrap">
            <table class="data" data-testid="groups-table">
              <caption class="sr-only">Consumer groups</caption>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">State</th>
                  <th scope="col">Position</th>
                  <th scope="col">Head</th>
                  <th scope="col">Lag</th>
                  <th scope="col">Pending</th>
                  <th scope="col">In flight</th>
                  <th scope="col">Retrying</th>
                  <th scope="col">Parked</th>
                  <th scope="col">Acked / nacked</th>
                  <th scope="col">Consumers</th>
                </tr>
              </thead>
              <tbody>
                {data.groups.map((g) => (
                  <tr key={g.name} data-name={g.name}>
                    <th scope="row" class="mono">
                      {g.name}
                    </th>
                    <td>
                      <span class={`state s-${g.state}`}>{g.state}</span>
                    </td>
                    <td class="num">{formatNumber(g.position)}</td>
                    <td class="num">{formatNumber(g.headPosition)}</td>
                    <td class="num">
                      <Progress value={g.position} max={g.headPosition} label={`${g.name} caught up`} />
                      {formatNumber(g.lag)}
                    </td>
                    <td class="num">{formatNumber(g.pending)}</td>
                    <td class="num">{formatNumber(g.inFlight)}</td>
                    <td class="num">{formatNumber(g.retrying)}</td>
                    <td class="num">{formatNumber(g.parkedCount)}</td>
                    <td class="num">
                      {formatNumber(g.acked)} / {formatNumber(g.nacked)}
                    </td>
                    <td class="small mono">{g.consumers.map((c) => c.consumer).join(', ') || '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {data.parked.some((p) => p.parked.length > 0) && (
            <>
              <h3>Parked events of consumer groups</h3>
              <ParkedTable
                owner="Group"
                entries={data.parked.flatMap((p) => p.parked.map((event) => ({ owner: p.group, event })))}
                onAction={actions ? (g, e, a) => void onAction(g, e, a) : undefined}
              />
            </>
          )}
        </>
      )}
    </>
  );
}
