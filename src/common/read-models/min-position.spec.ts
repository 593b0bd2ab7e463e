import type { EventStore } from '@gyroscops/event-store';
import { RequestValidationError } from '../errors/validation';
import { MinPositionPipe, parsePosition, PositionAheadError } from './min-position';

function pipeWithHead(head: number) {
  const calls = { head: 0 };
  const store = { headPosition: async () => (calls.head++, head) } as unknown as EventStore;
  return { pipe: new MinPositionPipe(store), calls };
}

describe('MinPositionPipe (read-your-writes on reads backed by projections)', () => {
  it('takes the query over the header, and nothing when both are absent', async () => {
    const { pipe } = pipeWithHead(100);
    expect(await pipe.transform({ query: '7', header: '9' })).toBe(7);
    expect(await pipe.transform({ query: undefined, header: '9' })).toBe(9);
    expect(await pipe.transform({ query: undefined, header: undefined })).toBeUndefined();
  });

  it('refuses a position past the head at once with PROJECTION.POSITION_AHEAD (409), naming where it came from', async () => {
    const { pipe } = pipeWithHead(100);
    await expect(pipe.transform({ query: undefined, header: '57000000000000000' })).rejects.toBeInstanceOf(RequestValidationError);
    await expect(pipe.transform({ query: '101', header: undefined })).rejects.toMatchObject({
      code: 'PROJECTION.POSITION_AHEAD',
      httpStatus: 409,
      details: [{ field: 'minPosition', minPosition: 101, headPosition: 100 }],
    });
    await expect(pipe.transform({ query: undefined, header: '101' })).rejects.toBeInstanceOf(PositionAheadError);
  });

  it('asks for the head only for positions past the highest head it has seen', async () => {
    const { pipe, calls } = pipeWithHead(100);
    await pipe.transform({ query: '50', header: undefined });
    await pipe.transform({ query: '80', header: undefined });
    await pipe.transform({ query: '0', header: undefined });
    expect(calls.head).toBe(1);
  });

  it('reads safe integers >= 0 only', () => {
    expect(parsePosition('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ['9007199254740992', '-1', '1.5', '5.7e16', '', ' 1', 'abc', 1.5, -1])
      expect({ bad, read: parsePosition(bad) }).toEqual({ bad, read: null });
    expect(parsePosition(['3', '4'])).toBe(3);
  });
});
