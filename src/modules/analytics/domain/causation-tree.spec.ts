import { causationTree, type Caused } from './causation-tree';

const ev = (eventId: string, causationId: string | null): Caused => ({ eventId, causationId });

describe('causation tree', () => {
  describe('when a command caused an event that caused others', () => {
    const tree = causationTree([ev('e1', 'cmd-1'), ev('e2', 'e1'), ev('e3', 'e1'), ev('e4', 'e3'), ev('e5', null)]);

    it('makes events caused by nothing of the correlation roots', () => {
      expect(tree.roots).toEqual(['e1', 'e5']);
    });

    it('links each event to its cause and its effects', () => {
      const byId = new Map(tree.nodes.map((n) => [n.event.eventId, n]));
      expect(byId.get('e1')).toMatchObject({ causedBy: null, children: ['e2', 'e3'] });
      expect(byId.get('e3')).toMatchObject({ causedBy: 'e1', children: ['e4'] });
      expect(byId.get('e4')).toMatchObject({ causedBy: 'e3', children: [] });
      expect(tree.nodes.map((n) => n.event.eventId)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    });
  });

  describe('when an effect is listed before its cause', () => {
    it('still links them', () => {
      const tree = causationTree([ev('b', 'a'), ev('a', 'cmd')]);
      expect(tree.roots).toEqual(['a']);
      expect(tree.nodes.find((n) => n.event.eventId === 'a')?.children).toEqual(['b']);
    });
  });

  describe('when forged ids make a causation loop', () => {
    it('cuts the loop at its oldest event so every event appears once', () => {
      const tree = causationTree([ev('x', 'y'), ev('y', 'x'), ev('z', 'z'), ev('r', 'cmd')]);
      expect(tree.roots).toEqual(['x', 'z', 'r']);
      const byId = new Map(tree.nodes.map((n) => [n.event.eventId, n]));
      expect(byId.get('x')).toMatchObject({ causedBy: null, children: ['y'] });
      expect(byId.get('y')).toMatchObject({ causedBy: 'x', children: [] });
      expect(byId.get('z')).toMatchObject({ causedBy: null, children: [] });
    });
  });

  describe('when a chain is thousands of events deep', () => {
    it('builds it without recursion and it serializes', () => {
      const events = Array.from({ length: 20_000 }, (_, i) => ev(`e${i}`, i === 0 ? 'cmd' : `e${i - 1}`));
      const tree = causationTree(events);
      expect(tree.roots).toEqual(['e0']);
      expect(JSON.stringify(tree).length).toBeGreaterThan(0);
    });
  });
});
