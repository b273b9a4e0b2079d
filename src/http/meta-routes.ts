// Liveness, readiness, Prometheus metrics and the OpenAPI document.
import { sql } from 'kysely';
import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { Metrics } from './metrics.js';

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

  // Open to anyone who can reach it unless LATCHKEY_METRICS_TOKEN is set; then only to that bearer.
  const expected = deps.config.metricsToken === null ? null : `Bearer ${deps.config.metricsToken}`;
  app.get('/metrics', { config: { auth: 'none' }, schema: { ...hidden } }, async (request, reply) => {
    if (expected !== null) {
      const sent = request.headers.authorization;
      if (typeof sent !== 'string' || !deps.hasher.equals(sent, expected)) {
        throw new AppError('unauthorized', 'Send the metrics token: Authorization: Bearer <LATCHKEY_METRICS_TOKEN>', {
          headers: { 'WWW-Authenticate': 'Bearer realm="latchkey-metrics"' },
        });
      }
    }
    return reply.type(metrics.contentType).send(await metrics.render());
  });

  app.get('/v1/openapi.json', { config: { auth: 'none' }, schema: { ...hidden } }, async () => app.swagger());
};
