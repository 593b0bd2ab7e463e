import { createServer, connect, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Piped both ways now; piping twice would send every byte twice. */
  forwarding: boolean;
}

/**
 * A TCP forwarder that can be cut and restored on the same port, to simulate a dependency going away, or frozen
 * (connections stay open, nothing is forwarded either way) to simulate a node that stops answering without closing
 * anything: a hung process, a partition, a full disk that blocks writes.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<Pair>();
  private frozen = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      const pair: Pair = { client, upstream, forwarding: false };
      this.pairs.add(pair);
      client.on('close', () => this.pairs.delete(pair));
      if (this.frozen) this.hold(pair);
      else this.forward(pair);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  /** Stops forwarding, both ways, on open and new connections, without closing any: requests hang. */
  freeze(): void {
    this.frozen = true;
    for (const pair of this.pairs) this.hold(pair);
  }

  /** Forwards again whatever was held. */
  thaw(): void {
    this.frozen = false;
    for (const pair of this.pairs) this.forward(pair);
  }

  private hold(pair: Pair): void {
    const { client, upstream } = pair;
    pair.forwarding = false;
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  }

  private forward(pair: Pair): void {
    if (pair.forwarding) return;
    const { client, upstream } = pair;
    pair.forwarding = true;
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Refuses new connections and drops open ones. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
