import type { TestApp } from '../support/e2e-app';

interface SagaStatus {
  name: string;
  kind: string;
  position: number;
  parked?: { position: number; eventType: string; error: string }[];
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves once every named saga has handled the log up to `position` (its checkpoint, read from the admin
 * status endpoint, has passed it): their reactions to every event up to there are recorded. Fails at once,
 * with the error, when one of them parked an event at or before `position`. The poll only bounds a hung run.
 */
export async function sagasPassed(t: TestApp, names: string[], position: number): Promise<void> {
  const admin = t.auth('ops', ['admin']);
  for (let i = 0; i < 600; i++) {
    const r = await t.http().get('/v1/projections').set(admin);
    if (r.status !== 200) throw new Error(`GET /v1/projections answered ${r.status}: ${JSON.stringify(r.body)}`);
    const sagas = (r.body as SagaStatus[]).filter((s) => s.kind === 'saga' && names.includes(s.name));
    if (sagas.length !== names.length)
      throw new Error(`sagas ${names.join(', ')} not all registered: ${sagas.map((s) => s.name).join(', ')}`);
    const parked = sagas.flatMap((s) =>
      (s.parked ?? []).filter((p) => p.position <= position).map((p) => `${s.name} parked ${p.eventType}: ${p.error}`),
    );
    if (parked.length) throw new Error(parked.join('; '));
    if (sagas.every((s) => s.position >= position)) return;
    await pause(50);
  }
  throw new Error(`sagas ${names.join(', ')} did not pass position ${position}`);
}

/** Global position of the last event of an aggregate's stream (to read the read model with minPosition). */
export async function lastPosition(t: TestApp, path: string, headers: Record<string, string>): Promise<number> {
  const h = await t.http().get(`${path}/history`).set(headers);
  if (h.status !== 200) throw new Error(`GET ${path}/history answered ${h.status}`);
  const history = h.body.history as { position: number }[];
  return history[history.length - 1].position;
}
