/**
 * The admin HTTP port (--admin-port): `/metrics` (Prometheus text format),
 * `/healthz` (the process answers and every shard answers within a bound),
 * `/readyz` (listeners open and not draining), and, when given a stats source,
 * the status page `/` and the `/stats.json` it polls. Anything else is 404.
 * Health answers 503 with a one-line reason. Main thread only; knows nothing
 * of the cache protocols.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DaemonMetrics } from './metrics';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from './status-page';
import { collectStatusDocument, type StatusSource } from './status-snapshot';

export interface HealthSource {
  /** Resolves with null when every shard answered within `timeoutMs`, else with the reason. */
  shardsAnswer(timeoutMs: number): Promise<string | null>;
  /** Null when ready for traffic, else why not ("draining", "starting"). */
  notReadyReason(): string | null;
}

/** How long /healthz waits for every shard before calling the process unhealthy. */
const SHARD_HEALTH_TIMEOUT_MS = 1000;

/**
 * How long /stats.json waits for every shard. Longer than the health bound: a
 * busy daemon should still be watchable; a stuck shard must still show on the page.
 */
export const STATUS_TIMEOUT_MS = 5000;

export class AdminServer {
  private readonly servers: http.Server[] = [];
  readonly ports: number[] = [];

  constructor(
    private readonly metrics: DaemonMetrics,
    private readonly health: HealthSource,
    /** The stats behind `/` and `/stats.json`; without it those paths are 404. */
    private readonly status: StatusSource | null = null,
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
      } else if (path === '/' && this.status !== null) {
        this.send(res, 200, 'text/html; charset=utf-8', STATUS_PAGE_HTML, { 'content-security-policy': STATUS_PAGE_CSP });
      } else if (path === '/stats.json' && this.status !== null) {
        await this.sendStatusDocument(res, this.status);
      } else {
        const paths = this.status === null ? '/metrics, /healthz or /readyz' : '/, /stats.json, /metrics, /healthz or /readyz';
        this.send(res, 404, 'text/plain; charset=utf-8', `not found: try ${paths}\n`);
      }
    } catch (err) {
      this.send(res, 500, 'text/plain; charset=utf-8', `${(err as Error).message}\n`);
    }
  }

  /** A shard that fails or does not answer in time makes the document 503 with the reason, so the page shows the outage. */
  private async sendStatusDocument(res: http.ServerResponse, source: StatusSource): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`a shard did not answer within ${STATUS_TIMEOUT_MS} ms`)), STATUS_TIMEOUT_MS);
    });
    let body: string;
    try {
      body = JSON.stringify(await Promise.race([collectStatusDocument(source), timeout]));
    } catch (err) {
      this.send(res, 503, 'text/plain; charset=utf-8', `${(err as Error).message}\n`);
      return;
    } finally {
      clearTimeout(timer);
    }
    this.send(res, 200, 'application/json; charset=utf-8', body);
  }

  private send(res: http.ServerResponse, status: number, contentType: string, body: string, headers: http.OutgoingHttpHeaders = {}): void {
    res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers });
    res.end(body);
  }
}
