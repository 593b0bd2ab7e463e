import { ReadinessRegistry, runReadinessCheck } from './readiness.registry';

describe('ReadinessRegistry', () => {
  it('lists registered checks until they are removed', () => {
    const registry = new ReadinessRegistry();
    const remove = registry.register('eventStore', async () => ({ up: true }));
    expect(registry.entries().map(([name]) => name)).toEqual(['eventStore']);
    remove();
    expect(registry.entries()).toEqual([]);
  });

  it('refuses duplicate, reserved and malformed names', () => {
    const registry = new ReadinessRegistry();
    registry.register('projections', async () => ({ up: true }));
    expect(() => registry.register('projections', async () => ({ up: true }))).toThrow('already registered');
    expect(() => registry.register('elasticsearch', async () => ({ up: true }))).toThrow('already registered');
    expect(() => registry.register('has space', async () => ({ up: true }))).toThrow('Invalid readiness check name');
  });
});

describe('runReadinessCheck', () => {
  it('passes the result through', async () => {
    await expect(runReadinessCheck(async () => ({ up: true, details: { lag: 3 } }))).resolves.toEqual({ up: true, details: { lag: 3 } });
  });

  it('counts a throwing check as down', async () => {
    await expect(
      runReadinessCheck(async () => {
        throw new Error('index missing');
      }),
    ).resolves.toEqual({ up: false, details: { message: 'index missing' } });
  });

  it('counts a check that does not settle in time as down', async () => {
    await expect(runReadinessCheck(() => new Promise(() => undefined), 20)).resolves.toEqual({
      up: false,
      details: { message: 'timed out after 20 ms' },
    });
  });
});
