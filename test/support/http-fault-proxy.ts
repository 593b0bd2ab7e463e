import { createServer, request as httpRequest, type Server } from 'node:http';

export type FaultMode = { kind: 'pass' } | { kind: 'throttle' } | { kind: 'slow'; delayMs: number };

/** An HTTP forwarder to Elasticsearch that can answer 429 (overloaded) or add latency, to test the service's retries. */
export class HttpFaultProxy {
  mode: FaultMode = { kind: 'pass' };
  throttled = 0;
  private server: Server | null = null;
  private port = 0;

  constructor(private readonly target: URL) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const forward = () => {
        const upstream = httpRequest(
          { host: this.target.hostname, port: Number(this.target.port || 9200), method: req.method, path: req.url, headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      };
      if (this.mode.kind === 'throttle') {
        this.throttled++;
        req.resume();
        const body = JSON.stringify({
          error: { type: 'es_rejected_execution_exception', reason: 'rejected execution (test)' },
          status: 429,
        });
        res.writeHead(429, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
        res.end(body);
        return;
      }
      if (this.mode.kind === 'slow') setTimeout(forward, this.mode.delayMs);
      else forward();
    });
    await new Promise<void>((resolve) => (this.server as Server).listen(0, '127.0.0.1', () => resolve()));
    const address = this.server.address();
    if (address && typeof address === 'object') this.port = address.port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
