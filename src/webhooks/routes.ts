// HTTP adapter for webhook endpoints and their deliveries.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { IdParams, listOf, ListQuery, Nullable, StringEnum } from '../http/schemas.js';
import { EVENT_PATTERN } from './outbox.js';
import { REQUIRED_SCOPE } from '../http/openapi.js';
import { createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, updateWebhook } from './service.js';

const tags = ['Webhooks'];

const Url = Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://[^\\s]+$', description: 'http(s) URL the events are POSTed to' });
const Events = Type.Array(Type.String({ minLength: 1, maxLength: 100, pattern: EVENT_PATTERN }), {
  minItems: 1,
  maxItems: 50,
  description: 'Event types: an audit action (`token.revoked`), a family (`token.*`) or `*`; also `token.expiring` and `token.leaked`',
});

const WebhookSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  status: StringEnum(['active', 'disabled']),
  createdAt: Type.String(),
  createdBy: Type.Object({ type: Type.String(), id: Nullable(Type.String()) }),
  failingSince: Nullable(Type.String()),
  disabledAt: Nullable(Type.String()),
  disabledReason: Nullable(Type.String()),
});

const CreatedWebhookSchema = Type.Intersect([
  WebhookSchema,
  Type.Object({ secret: Type.String({ description: 'The signing secret (Latchkey-Signature), shown only in this response' }) }),
]);

const DeliverySchema = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  type: Type.String(),
  status: StringEnum(['pending', 'delivered', 'failed', 'cancelled']),
  attempts: Type.Integer(),
  createdAt: Type.String(),
  nextAttemptAt: Nullable(Type.String()),
  lastAttemptAt: Nullable(Type.String()),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  deliveredAt: Nullable(Type.String()),
});

const DeliveriesQuery = Type.Object(
  { ...ListQuery.properties, status: Type.Optional(StringEnum(['pending', 'delivered', 'failed', 'cancelled'], { description: 'Only deliveries in this state' })) },
  { additionalProperties: false },
);

export const webhookRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get('/v1/webhooks', { schema: { tags, operationId: 'listWebhooks', summary: 'List webhook endpoints', description: "The org's webhook endpoints, newest first (never their secrets). Needs `webhooks:read`.", [REQUIRED_SCOPE]: 'webhooks:read', querystring: ListQuery, response: { 200: listOf(WebhookSchema) } } }, (request) =>
    listWebhooks(deps, ctxOf(request), request.query),
  );

  app.post(
    '/v1/webhooks',
    {
      schema: {
        tags,
        operationId: 'createWebhook', summary: 'Register a webhook endpoint', description: 'Events matching `events` (an action, a family such as `token.*`, or `*`) are POSTed to `url`, signed; the signing secret is in this response only. Loopback and private destinations are refused unless allowed in the config. Needs `webhooks:manage`.', [REQUIRED_SCOPE]: 'webhooks:manage',
        body: Type.Object({ url: Url, events: Events }, { additionalProperties: false, examples: [{ url: 'https://hooks.example.com/latchkey', events: ['token.*', 'member.removed'] }] }),
        response: { 201: CreatedWebhookSchema },
      },
    },
    async (request, reply) => {
      const created = await createWebhook(deps, ctxOf(request), request.body);
      return reply.code(201).header('Cache-Control', 'no-store').send(created);
    },
  );

  app.get('/v1/webhooks/:id', { schema: { tags, operationId: 'getWebhook', summary: 'Get a webhook endpoint', description: 'One endpoint, with its status and, if disabled, why. Needs `webhooks:read`.', [REQUIRED_SCOPE]: 'webhooks:read', params: IdParams, response: { 200: WebhookSchema } } }, (request) =>
    getWebhook(deps, ctxOf(request), request.params.id),
  );

  app.patch(
    '/v1/webhooks/:id',
    {
      schema: {
        tags,
        operationId: 'updateWebhook', summary: 'Change a webhook endpoint', description: 'Changes the url or events; `status: "active"` re-enables an endpoint disabled after a day of failures. Needs `webhooks:manage`.', [REQUIRED_SCOPE]: 'webhooks:manage',
        params: IdParams,
        body: Type.Object({ url: Type.Optional(Url), events: Type.Optional(Events), status: Type.Optional(StringEnum(['active', 'disabled'])) }, { additionalProperties: false, examples: [{ status: 'active' }] }),
        response: { 200: WebhookSchema },
      },
    },
    (request) => updateWebhook(deps, ctxOf(request), request.params.id, request.body),
  );

  app.delete('/v1/webhooks/:id', { schema: { tags, operationId: 'deleteWebhook', summary: 'Delete a webhook endpoint', description: 'Deletes the endpoint; deliveries still queued for it are cancelled. Needs `webhooks:manage`.', [REQUIRED_SCOPE]: 'webhooks:manage', params: IdParams, response: { 200: WebhookSchema } } }, (request) =>
    deleteWebhook(deps, ctxOf(request), request.params.id),
  );

  app.get(
    '/v1/webhooks/:id/deliveries',
    { schema: { tags, operationId: 'listWebhookDeliveries', summary: 'List deliveries', description: "An endpoint's deliveries, newest first: state, attempts, last HTTP status or error, next attempt. Needs `webhooks:read`.", [REQUIRED_SCOPE]: 'webhooks:read', params: IdParams, querystring: DeliveriesQuery, response: { 200: listOf(DeliverySchema) } } },
    (request) => listDeliveries(deps, ctxOf(request), request.params.id, request.query),
  );
};
