import type { FastifyInstance } from 'fastify';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'QUERY'] as const;

/**
 * A method the API does not have, on a path it does have, answers 405 with an `Allow` header listing the
 * methods it has (RFC 9110), in the error shape; only paths nothing serves answer 404. Fastify sends both to
 * its not-found route, so this hook tells them apart by asking the router which methods match the path.
 */
export function registerMethodNotAllowed(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) return done();
    const path = request.url.split('?')[0];
    const allowed = METHODS.filter((method) => method !== request.method && fastify.findRoute({ method, url: path }) !== null);
    if (allowed.length === 0) return done();
    void reply
      .code(405)
      .header('allow', allowed.join(', '))
      .send({ error: 'MethodNotAllowed', message: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}` });
  });
}
