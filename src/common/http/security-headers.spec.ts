import fastifyHelmet from '@fastify/helmet';
import Fastify from 'fastify';
import { registerSecurityHeaders } from './security-headers';

const OPTIONS = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } };

async function headersOf(setup: (f: ReturnType<typeof Fastify>) => Promise<void> | void, url: string) {
  const f = Fastify();
  await setup(f);
  f.get('/json', async () => ({ ok: true }));
  f.get('/raw', (_req, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    reply.raw.end('data: 1\n\n');
  });
  const r = await f.inject({ method: 'GET', url });
  await f.close();
  const { date: _date, ...rest } = r.headers;
  return rest;
}

describe('security headers computed once', () => {
  it.each(['/json', '/raw', '/missing'])('sets on %s exactly what @fastify/helmet set', async (url) => {
    const theirs = await headersOf((f) => f.register(fastifyHelmet, OPTIONS), url);
    const ours = await headersOf((f) => registerSecurityHeaders(f, OPTIONS), url);
    expect(ours).toEqual(theirs);
    expect(ours['content-security-policy']).toContain("default-src 'self'");
  });
});
