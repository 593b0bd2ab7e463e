import { useEffect, useState } from 'preact/hooks';
import { formatDuration, formatTime, moduleClass } from '../format';
import { useLoad } from '../hooks';
import { href, navigate, type Route } from '../router';
import { useSession } from '../session';
import type { CorrelationTree, StoredEvent } from '../types';

type Node = CorrelationTree['nodes'][number];

export function CorrelationView({ route }: { route: Route }) {
  const { api } = useSession();
  const correlationId = route.args[0];
  const [input, setInput] = useState(correlationId ?? '');
  useEffect(() => setInput(correlationId ?? ''), [correlationId]);
  const tree = useLoad(
    (signal) =>
      correlationId
        ? api.get<CorrelationTree>(`/v1/analytics/correlations/${encodeURIComponent(correlationId)}`, {}, signal)
        : Promise.resolve(null),
    [correlationId],
  );
  const t = tree.data;
  const byId = new Map<string, Node>((t?.nodes ?? []).map((n) => [n.event.eventId, n]));
  const first = t?.nodes[0]?.event;
  const last = t?.nodes[t.nodes.length - 1]?.event;
  const modules = [...new Set((t?.nodes ?? []).map((n) => n.event.aggregateType))];

  return (
    <section aria-labelledby="corr-title">
      <h1 id="corr-title">Correlation {correlationId && <span class="mono">{correlationId}</span>}</h1>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (input.trim()) navigate(href('correlation', [input.trim()]));
        }}
      >
        <label for="corr-id">Correlation id</label>
        <input id="corr-id" class="mono" size={40} value={input} onInput={(e) => setInput(e.currentTarget.value)} />
        <button type="submit">Open</button>
      </form>
      {!correlationId && <p class="muted">Open a correlation by id, or follow one from a search hit or an event.</p>}
      {tree.error && (
        <p class="error" role="alert">
          {tree.error}
        </p>
      )}
      {t && first && last && (
        <>
          <p class="muted" data-testid="corr-summary">
            {t.total} events across {modules.length} {modules.length === 1 ? 'aggregate type' : 'aggregate types'} ({modules.join(', ')})
            over {formatDuration(Date.parse(last.timestamp) - Date.parse(first.timestamp))}
            {t.truncated && ' — truncated: only the first events are shown'}
          </p>
          <ul class="tree" aria-label="Causation tree" data-testid="causation-tree">
            {t.roots.map((id) => (
              <TreeNode key={id} node={byId.get(id)} byId={byId} parent={null} start={first} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function TreeNode(props: { node: Node | undefined; byId: Map<string, Node>; parent: StoredEvent | null; start: StoredEvent }) {
  const { node, byId, parent, start } = props;
  if (!node) return null;
  const e = node.event;
  const gap = parent ? Date.parse(e.timestamp) - Date.parse(parent.timestamp) : null;
  return (
    <li data-event-id={e.eventId} data-caused-by={node.causedBy ?? ''} data-event-type={e.eventType}>
      <div class={`node ${moduleClass(e.aggregateType)}`}>
        <span class={`badge ${moduleClass(e.aggregateType)}`}>{e.aggregateType}</span>
        <a href={href('stream', [e.aggregateId], { version: e.version })} class="node-title">
          {e.eventType}
        </a>
        <span class="mono muted">
          {e.aggregateId} v{e.version}
        </span>
        <span class="muted">{formatTime(e.timestamp)}</span>
        {gap !== null ? (
          <span class="gap" title="Time since the event that caused it">
            +{formatDuration(gap)}
          </span>
        ) : (
          e !== start && (
            <span class="muted" title="Time since the correlation's first event">
              {formatDuration(Date.parse(e.timestamp) - Date.parse(start.timestamp))} after the start
            </span>
          )
        )}
        <span class="muted">by {e.metadata.source === 'saga' ? 'a saga' : e.metadata.userId}</span>
      </div>
      {node.children.length > 0 && (
        <ul>
          {node.children.map((c) => (
            <TreeNode key={c} node={byId.get(c)} byId={byId} parent={e} start={start} />
          ))}
        </ul>
      )}
    </li>
  );
}
