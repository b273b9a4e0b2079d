// Liveness, readiness, Prometheus metrics and the OpenAPI document.
import { sql } from 'kysely';
import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { renderCacheMetrics } from '../tokens/cache.js';

/** Counters kept per app instance and rendered in Prometheus text format. */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly started = Date.now();

  countRequest(method: string, status: number): void {
    const key = `method="${method}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  render(): string {
    const lines = ['# HELP latchkey_http_requests_total HTTP requests served.', '# TYPE latchkey_http_requests_total counter'];
    for (const [labels, count] of this.requests) lines.push(`latchkey_http_requests_total{${labels}} ${count}`);
    lines.push('# HELP latchkey_uptime_seconds Seconds since the server started.', '# TYPE latchkey_uptime_seconds gauge');
    lines.push(`latchkey_uptime_seconds ${((Date.now() - this.started) / 1000).toFixed(0)}`);
    return lines.join('\n') + '\n';
  }
}

export const metaRoutes: FastifyPluginAsync<{ deps: Deps; metrics: Metrics }> = async (app, { deps, metrics }) => {
  const hidden = { hide: true };
  app.get('/healthz', { config: { auth: 'none' }, schema: { ...hidden } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { auth: 'none' }, schema: { ...hidden } }, async () => {
    try {
      await sql`select 1`.execute(deps.db);
    } catch {
      throw new AppError('unavailable', 'The database is not reachable');
    }
    return { status: 'ready' };
  });

  app.get('/metrics', { config: { auth: 'none' }, schema: { ...hidden } }, async (_request, reply) =>
    reply.type('text/plain; version=0.0.4').send(metrics.render() + renderCacheMetrics(deps.tokenCache)),
  );

  app.get('/v1/openapi.json', { config: { auth: 'none' }, schema: { ...hidden } }, async () => app.swagger());
};
