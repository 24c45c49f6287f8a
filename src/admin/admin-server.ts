/**
 * The admin HTTP port (--admin-port): `/metrics` (Prometheus text format),
 * `/healthz` (the process answers and every shard answers within a bound) and
 * `/readyz` (listeners open and not draining). Anything else is 404. Health
 * answers 503 with a one-line reason. Main thread only; knows nothing of the
 * cache protocols.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DaemonMetrics } from './metrics';

export interface HealthSource {
  /** Resolves with null when every shard answered within `timeoutMs`, else with the reason. */
  shardsAnswer(timeoutMs: number): Promise<string | null>;
  /** Null when ready for traffic, else why not ("draining", "starting"). */
  notReadyReason(): string | null;
}

/** How long /healthz waits for every shard before calling the process unhealthy. */
const SHARD_HEALTH_TIMEOUT_MS = 1000;

export class AdminServer {
  private readonly servers: http.Server[] = [];
  readonly ports: number[] = [];

  constructor(
    private readonly metrics: DaemonMetrics,
    private readonly health: HealthSource,
  ) {}

  async listen(host: string, port: number): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    // Idle keep-alive connections must not hold up a graceful stop.
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.push(server);
    const bound = (server.address() as AddressInfo).port;
    this.ports.push(bound);
    return bound;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        this.send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      } else if (path === '/metrics') {
        this.send(res, 200, this.metrics.contentType, await this.metrics.render());
      } else if (path === '/healthz') {
        const problem = await this.health.shardsAnswer(SHARD_HEALTH_TIMEOUT_MS);
        this.send(res, problem === null ? 200 : 503, 'text/plain; charset=utf-8', `${problem ?? 'ok'}\n`);
      } else if (path === '/readyz') {
        const problem = this.health.notReadyReason();
        this.send(res, problem === null ? 200 : 503, 'text/plain; charset=utf-8', `${problem ?? 'ready'}\n`);
      } else {
        this.send(res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /healthz or /readyz\n');
      }
    } catch (err) {
      this.send(res, 500, 'text/plain; charset=utf-8', `${(err as Error).message}\n`);
    }
  }

  private send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
    res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
  }
}
