// HTTP adapter for the audit log: filtered pages, or every matching event as JSON lines.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { DateTime, ListQuery, Nullable } from '../http/schemas.js';
import { listAuditEvents } from './service.js';

const AuditQuery = Type.Object(
  {
    ...ListQuery.properties,
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    since: Type.Optional(DateTime),
    until: Type.Optional(DateTime),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('jsonl')])),
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
        operationId: 'listAuditEvents', tags: ['Audit log'],
        summary: 'Audit events, newest first; format=jsonl (or Accept: application/x-ndjson) exports every match as JSON lines',
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
