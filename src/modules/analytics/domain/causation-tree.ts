/** What the tree needs of an event: its id and the id of what caused it (an event, or a command outside the correlation). */
export interface Caused {
  eventId: string;
  causationId: string | null;
}

export interface CausationNode<E extends Caused> {
  event: E;
  /** The event of this correlation that caused this one; null for roots. */
  causedBy: string | null;
  /** Events this one caused, in the order given (oldest first). */
  children: string[];
}

/**
 * A correlation's causation tree as a flat list of nodes linked by event id: a chain thousands of events deep
 * stays a flat JSON document (nested objects that deep overflow JSON.stringify's stack).
 */
export interface CausationTree<E extends Caused> {
  /** Events caused by nothing in the correlation (e.g. by a command id), oldest first. */
  roots: string[];
  /** Every event, in the order given. */
  nodes: CausationNode<E>[];
}

/**
 * Links events to the events that caused them. A root is an event whose causationId names no event of the
 * correlation. A causation loop (only possible with forged ids) is cut at its oldest event, which becomes a root,
 * so every event appears exactly once.
 */
export function causationTree<E extends Caused>(events: readonly E[]): CausationTree<E> {
  const nodes = new Map<string, CausationNode<E>>();
  for (const event of events) if (!nodes.has(event.eventId)) nodes.set(event.eventId, { event, causedBy: null, children: [] });
  const roots: string[] = [];
  for (const node of nodes.values()) {
    const parentId = node.event.causationId;
    const parent = parentId !== null && parentId !== node.event.eventId ? nodes.get(parentId) : undefined;
    if (parent) {
      node.causedBy = parentId;
      parent.children.push(node.event.eventId);
    } else {
      roots.push(node.event.eventId);
    }
  }

  const reached = new Set<string>();
  const visit = (rootId: string) => {
    const stack = [rootId];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (reached.has(id)) continue;
      reached.add(id);
      stack.push(...(nodes.get(id)?.children ?? []));
    }
  };
  roots.forEach(visit);
  if (reached.size < nodes.size) {
    for (const node of nodes.values()) {
      if (reached.has(node.event.eventId)) continue;
      const parent = nodes.get(node.causedBy as string);
      if (parent) parent.children = parent.children.filter((c) => c !== node.event.eventId);
      node.causedBy = null;
      roots.push(node.event.eventId);
      visit(node.event.eventId);
    }
    const order = new Map([...nodes.keys()].map((id, i) => [id, i]));
    roots.sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
  }
  return { roots, nodes: [...nodes.values()] };
}
