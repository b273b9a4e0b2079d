// HTTP adapter for the audit log: filtered pages, or every matching event as JSON lines.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { REQUIRED_SCOPE } from '../http/openapi.js';
import { ListQuery, Nullable, StringEnum } from '../http/schemas.js';
import { listAuditEvents } from './service.js';

const AuditQuery = Type.Object(
  {
    ...ListQuery.properties,
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Events by this actor: a user id, a token id, or `system`' })),
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Events by or about this token id' })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'An action such as `token.revoked`, or a family such as `token.*`' })),
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Events about this object id' })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Events at or after this time' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Events before this time' })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Another name for since' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Another name for until' })),
    format: Type.Optional(StringEnum(['json', 'jsonl'], { description: '`jsonl` exports every matching event as JSON lines (application/x-ndjson) instead of a page' })),
  },
  { additionalProperties: false },
);

const AuditEvent = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  createdAt: Type.String(),
  orgId: Type.String(),
  actor: Type.Object({ type: Type.String(), id: Nullable(Type.String()), name: Nullable(Type.String()), prefix: Nullable(Type.String()), userId: Nullable(Type.String()) }),
  action: Type.String(),
  target: Type.Object({ type: Nullable(Type.String()), id: Nullable(Type.String()) }),
  requestId: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  metadata: Type.Object({}, { additionalProperties: true }),
  prevHash: Nullable(Type.String()),
  hash: Type.String(),
});

export const auditRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get(
    '/v1/audit-events',
    {
      schema: {
        operationId: 'listAuditEvents',
        tags: ['Audit log'],
        summary: 'List audit events',
        description:
          'Newest first, filtered by actor, token, action, target and time. With `format=jsonl` (or `Accept: application/x-ndjson`) every matching event is exported as JSON lines. Each event carries the hash chaining it to the previous one. Reading the log is a plan feature.',
        [REQUIRED_SCOPE]: 'audit:read',
        querystring: AuditQuery,
        response: { 200: Type.Object({ data: Type.Array(AuditEvent), nextCursor: Nullable(Type.String()) }) },
      },
    },
    async (request, reply) => {
      // `from`/`to` are accepted as other names for `since`/`until`.
      const { format, from, to, ...rest } = request.query;
      const filters = { ...rest, since: rest.since ?? from, until: rest.until ?? to };
      const wantsLines = format === 'jsonl' || (format === undefined && request.headers.accept?.includes('application/x-ndjson'));
      const ctx = ctxOf(request);
      if (!wantsLines) return listAuditEvents(deps, ctx, filters);
      const lines: string[] = [];
      let cursor: string | undefined = filters.cursor;
      do {
        const page = await listAuditEvents(deps, ctx, { ...filters, cursor, limit: 200 });
        for (const event of page.data) lines.push(JSON.stringify(event));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      // A string payload bypasses the JSON serializer; the schema above describes the paged form.
      const body: unknown = lines.length ? lines.join('\n') + '\n' : '';
      return reply.type('application/x-ndjson').send(body as never);
    },
  );
};
