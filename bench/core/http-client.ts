import { Agent, request } from 'node:http';

export interface HttpResponse<T = unknown> {
  status: number;
  body: T;
}

/** A lean keep-alive JSON client, so the figures show the service's overhead rather than a heavy client's. */
export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 128 });
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  send<T = unknown>(method: 'GET' | 'POST', path: string, token: string | null, body?: string): Promise<HttpResponse<T>> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : null) as T });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: text as T });
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
