import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';

/** Polls `GET /health/ready` until it answers `status`; fails with the last answer after `withinMs`. */
export async function readinessBecomes(server: string, status: number, withinMs = 30_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  let last: { status: number; body: unknown } = { status: 0, body: null };
  while (Date.now() < deadline) {
    const res = await request(server).get('/health/ready');
    last = { status: res.status, body: res.body };
    if (last.status === status) return;
    await sleep(200);
  }
  throw new Error(`/health/ready stayed ${last.status} (${JSON.stringify(last.body)}), expected ${status}`);
}
