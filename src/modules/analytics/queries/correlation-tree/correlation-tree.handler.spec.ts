import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { InMemoryEventStore, type WriteContext } from '@gyroscops/event-store';
import { CorrelationTreeHandler } from './correlation-tree.handler';
import { CorrelationTreeQuery } from './correlation-tree.query';

const reader = (organizationId: string, roles: RequestContext['roles'] = ['reader']): RequestContext => ({
  correlationId: 'c',
  causationId: null,
  userId: 'u',
  organizationId,
  roles,
  source: 'api',
});
const writer = (organizationId: string, causationId: string | null): WriteContext => ({
  correlationId: 'corr-1',
  causationId,
  userId: 'u',
  organizationId,
  source: 'api',
  isAdmin: false,
});

describe('CorrelationTreeHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const handler = new CorrelationTreeHandler(store);
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const append = async (stream: string, types: string[], org: string, causationId: string | null) =>
      (
        await store.appendToStream(
          stream,
          types.map((eventType) => ({ eventType, eventData: {} })),
          { aggregateType: 'Thing', expectedVersion: 'any', context: writer(org, causationId) },
        )
      ).events;
    const [placed] = await append('order-1', ['OrderPlaced'], 'org-a', 'cmd-1');
    const [reserved, requested] = await append('stock-1', ['StockReserved', 'PaymentRequested'], 'org-a', placed.eventId);
    const [audited] = await append('audit-1', ['Audited'], 'org-b', reserved.eventId);
    Object.assign(ids, { placed: placed.eventId, reserved: reserved.eventId, requested: requested.eventId, audited: audited.eventId });
  });

  it('links each visible event to its cause and effects; a command-caused event is a root', async () => {
    const r = await RequestContextStore.run(reader('org-a'), () => handler.execute(new CorrelationTreeQuery('corr-1')));
    expect(r).toMatchObject({ correlationId: 'corr-1', total: 3, truncated: false, roots: [ids.placed] });
    expect(r.nodes.map((n) => [n.event.eventId, n.causedBy, n.children])).toEqual([
      [ids.placed, null, [ids.reserved, ids.requested]],
      [ids.reserved, ids.placed, []],
      [ids.requested, ids.placed, []],
    ]);
  });

  it('shows an admin the effects in other organizations', async () => {
    const r = await RequestContextStore.run(reader('org-x', ['admin']), () => handler.execute(new CorrelationTreeQuery('corr-1')));
    expect(r.total).toBe(4);
    expect(r.nodes.find((n) => n.event.eventId === ids.reserved)?.children).toEqual([ids.audited]);
  });

  it('makes an event whose cause is invisible a root', async () => {
    const r = await RequestContextStore.run(reader('org-b'), () => handler.execute(new CorrelationTreeQuery('corr-1')));
    expect(r.roots).toEqual([ids.audited]);
    expect(r.nodes).toEqual([expect.objectContaining({ causedBy: null, children: [] })]);
  });

  it('answers ANALYTICS.CORRELATION_NOT_FOUND (404) when nothing is visible', async () => {
    await expect(RequestContextStore.run(reader('org-z'), () => handler.execute(new CorrelationTreeQuery('corr-1')))).rejects.toMatchObject(
      {
        code: 'ANALYTICS.CORRELATION_NOT_FOUND',
        httpStatus: 404,
      },
    );
  });
});
