// buildApp(options) → a ready Fastify instance with every route, built only from
// its arguments (no globals), so a test can run several apps side by side.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { pino, type DestinationStream, type Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/connect.js';
import type { Deps } from '../deps.js';
import { newId } from '../random.js';
import { SecretHasher } from '../tokens/hashing.js';
import { LastUseRecorder } from '../tokens/last-use.js';
import { TokenCache } from '../tokens/cache.js';
import { ChangeListener, publishChange } from '../db/notify.js';
import { tokenRoutes } from '../tokens/routes.js';
import { authRoutes } from '../auth/routes.js';
import { orgRoutes } from '../orgs/routes.js';
import { memberRoutes } from '../members/routes.js';
import { auditRoutes } from '../audit/routes.js';
import { permissionRoutes } from '../permissions/routes.js';
import { adminTokenRoutes } from '../tokens/admin-routes.js';
import { serviceAccountRoutes } from '../service-accounts/routes.js';
import { teamRoutes } from '../teams/routes.js';
import { webhookRoutes } from '../webhooks/routes.js';
import { WebhookDispatcher } from '../webhooks/delivery.js';
import { TokenSweeper } from '../tokens/sweep.js';
import { mcpRoutes } from '../mcp/routes.js';
import { VerifyEventHub, verifyEventRoutes } from '../tokens/verify-events.js';
import { authHook, ctxOf } from './auth.js';
import { metaRoutes } from './meta-routes.js';
import { Metrics } from './metrics.js';
import { recordDenied } from '../audit/denied.js';
import { isAppError } from '../errors.js';
import { verifyBatchRoutes } from '../tokens/verify-batch-routes.js';
import { accessLogHook } from './access-log.js';
import { documentRoute, openapiOptions } from './openapi.js';
import { docsRoutes } from './docs.js';
import { TokenLimiter } from '../tokens/limits.js';
import { Throttles } from '../throttling/throttles.js';
import { leakRoutes } from '../leaks/routes.js';
import { clientErrorHandler, errorHandler, frameworkErrorHandler, notFoundHandler, redactTokens } from './problem.js';
import { Problem } from './schemas.js';
import { defaultDashboardDir, registerDashboard, securityHeaders } from './dashboard.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface BuildOptions {
  config: Config;
  pepper: Buffer;
  clock?: Clock;
  /** Where logs go (default stdout); `false` silences them. */
  logStream?: DestinationStream | false;
  logLevel?: string;
  /** An already-open database; otherwise one is opened from config.databaseUrl. */
  database?: DatabaseHandle;
  /** The built dashboard (web/dist); default: found next to the package; null: none. */
  dashboardDir?: string | null;
}

export interface BuiltApp {
  app: FastifyInstance;
  deps: Deps;
  /** On PostgreSQL, the connection that hears other nodes' changes. */
  changeListener: ChangeListener | null;
  /** Delivers the webhook outbox (also deps.webhooks). */
  webhooks: WebhookDispatcher;
  /** The verifiers' event streams (GET /v1/verify/events). */
  verifyEvents: VerifyEventHub;
}

/** Header, cookie and body fields that hold secrets; pino replaces them in every log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.token',
  '*.password',
  '*.inviteToken',
];

/** Fastify's request serializer, with any token a client put in the path or query cut to its display prefix. */
function serializeRequest(req: FastifyRequest) {
  return { method: req.method, url: redactTokens(req.url), host: req.host, remoteAddress: req.ip };
}

export function createLogger(stream: DestinationStream | false | undefined, level = 'info'): Logger {
  if (stream === false) return pino({ level: 'silent' });
  // stdout is written asynchronously in 4 KiB chunks, off the request path; pino
  // flushes what is left when the process exits.
  const destination = stream ?? pino.destination({ dest: 1, sync: false, minLength: 4096 });
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers: { req: serializeRequest } }, destination);
}

function validators() {
  // Bodies are checked strictly (no coercion, no silent stripping of unknown
  // fields); query strings and path params arrive as text, so they are coerced.
  const body = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, strict: false });
  const query = new Ajv({ coerceTypes: true, removeAdditional: false, useDefaults: true, allErrors: false, strict: false });
  addFormats(body);
  addFormats(query);
  return { body, query };
}

export async function buildApp(options: BuildOptions): Promise<BuiltApp> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const handle = options.database ?? openDatabase(config.databaseUrl);
  await migrateToLatest(handle);
  const logger = createLogger(options.logStream, options.logLevel);

  const hasher = new SecretHasher(options.pepper);
  const lastUse = new LastUseRecorder(handle.db, clock, hasher, (error) => logger.error({ err: error }, 'last-use flush failed'), {
    keepRequestIds: config.audit.usesCarryRequestIds,
  });
  const deps: Deps = { db: handle.db, config, clock, hasher, lastUse, changed: async () => undefined };
  // The verification cache hears of every change: this node's through change(),
  // other nodes' (PostgreSQL) through the listener.
  const tokenCache = new TokenCache(deps, config.tokenCache, handle.dataVersion);
  deps.tokenCache = tokenCache;
  // So are the SDK verifiers holding GET /v1/verify/events, after the node's own cache.
  const verifyEvents = new VerifyEventHub(config.verifyEvents);
  const onChange = (orgId: string, tokenIds?: readonly string[]) => {
    tokenCache.invalidateOrg(orgId);
    verifyEvents.publish(orgId, tokenIds);
  };
  deps.changed = async (orgId, tokenIds) => onChange(orgId, tokenIds);
  let listener: ChangeListener | null = null;
  if (handle.dialect === 'postgres') {
    const origin = newId('node');
    deps.publishChange = (trx, orgId, tokenIds) => publishChange(trx, orgId, origin, tokenIds);
    tokenCache.setListening(false);
    verifyEvents.setListening(false);
    listener = new ChangeListener(handle.url ?? config.databaseUrl, origin, {
      onChange,
      onListening: (listening) => {
        tokenCache.setListening(listening);
        verifyEvents.setListening(listening);
      },
      onError: (error) => logger.warn({ err: error }, 'change listener lost its connection; verification cache off until it is back'),
    });
    await listener.start();
  }
  const metrics = new Metrics(tokenCache);
  deps.metrics = metrics;
  deps.limiter = new TokenLimiter();
  deps.throttles = new Throttles(config.throttles);
  const webhooks = new WebhookDispatcher(deps, handle.dialect, (error) => logger.error({ err: error }, 'webhook delivery failed'));
  deps.webhooks = webhooks;
  const sweeper = new TokenSweeper(deps, (error) => logger.error({ err: error }, 'token sweep failed'));
  metrics.registerGauge('latchkey_webhook_queue_depth', 'Webhook deliveries waiting to be delivered', () => webhooks.pending());

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : newId('req');
    },
    return503OnClosing: true,
    // One line per request from access-log.ts instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    ajv: undefined,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const ajv = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajv.body : ajv.query).compile(schema));
  // The API speaks JSON only: a text/plain body is refused with 415, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(errorHandler);
  securityHeaders(app);
  const dashboardDir = options.dashboardDir === undefined ? defaultDashboardDir() : options.dashboardDir;
  app.setNotFoundHandler(dashboardDir ? await registerDashboard(app, dashboardDir, notFoundHandler) : notFoundHandler);
  app.addSchema(Problem);

  // Cookies are parsed only where a request has no token (auth.ts), not on every request.
  await app.register(cookie, { hook: false });
  await app.register(swagger, openapiOptions());
  // Every route documents its problem+json errors, the credentials it takes and the scope it needs.
  app.addHook('onRoute', documentRoute);
  const authenticate = authHook(deps);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    if (!request.is404) await authenticate(request, reply);
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern, not its URL: labels stay bounded whatever paths clients send.
    const route = request.is404 ? 'unmatched' : request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  // Event streams never finish on their own; ended first so closing does not wait for them.
  app.addHook('preClose', async () => verifyEvents.close());
  if (config.audit.recordDenied) {
    app.addHook('onError', async (request, _reply, error) => {
      if (!isAppError(error) || error.status !== 403 || !request.actor) return;
      const params = request.params as Record<string, unknown> | undefined;
      const targetId = typeof params?.id === 'string' ? params.id : null;
      await recordDenied(deps, ctxOf(request), { method: request.method, route: request.routeOptions.url ?? '', targetId }, error).catch((err: unknown) =>
        request.log.error({ err }, 'recording a denied attempt failed'),
      );
    });
  }
  app.addHook('onResponse', accessLogHook(config.accessLog));
  app.addHook('onClose', async () => {
    await webhooks.stop();
    await sweeper.stop();
    await listener?.stop();
    await lastUse.stop();
    metrics.stop();
    if (!options.database) await handle.close();
    logger.flush();
  });

  await app.register(metaRoutes, { deps, metrics });
  await app.register(authRoutes, { deps });
  await app.register(permissionRoutes, { deps });
  await app.register(orgRoutes, { deps });
  await app.register(memberRoutes, { deps });
  await app.register(tokenRoutes, { deps });
  await app.register(verifyBatchRoutes, { deps });
  await app.register(adminTokenRoutes, { deps });
  await app.register(serviceAccountRoutes, { deps });
  await app.register(teamRoutes, { deps });
  await app.register(auditRoutes, { deps });
  await app.register(webhookRoutes, { deps });
  await app.register(verifyEventRoutes, { deps, hub: verifyEvents });
  await app.register(leakRoutes, { deps });
  await app.register(mcpRoutes);
  await app.register(docsRoutes);

  lastUse.start(config.lastUseFlushMs);
  await app.ready();
  webhooks.start();
  sweeper.start();
  return { app: app as unknown as FastifyInstance, deps, changeListener: listener, webhooks, verifyEvents };
}
