// HTTP adapter for sessions: login, logout, accepting an invitation.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { Deps } from '../deps.js';
import { callMeta, SESSION_COOKIE } from '../http/auth.js';
import { Email, Name, Nullable, OrgRefSchema, Password } from '../http/schemas.js';
import { acceptInvite, login, logout, type SessionStart } from './service.js';

const tags = ['Sessions'];

const SessionResponse = Type.Object({
  user: Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() }),
  org: Nullable(OrgRefSchema),
  csrfToken: Type.String({ description: 'Send back as X-CSRF-Token on unsafe requests made with the session cookie' }),
  expiresAt: Type.String(),
});

export const authRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  function startSession(reply: FastifyReply, session: SessionStart, status: number) {
    const { secret, ...body } = session;
    // Written directly: the cookie plugin runs no hooks (cookies are parsed only where needed, http/auth.ts).
    reply.header(
      'Set-Cookie',
      app.serializeCookie(SESSION_COOKIE, secret, { httpOnly: true, sameSite: 'strict', secure: deps.config.cookieSecure, path: '/', expires: new Date(session.expiresAt) }),
    );
    return reply.code(status).header('Cache-Control', 'no-store').send(body);
  }

  app.post(
    '/v1/auth/login',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Email + password → session cookie',
        body: Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 1024 }), orgId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: SessionResponse },
      },
    },
    async (request, reply) => startSession(reply, await login(deps, callMeta(request), request.body), 200),
  );

  app.post(
    '/v1/auth/accept-invite',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Accept an invitation: creates the user and membership, starts a session',
        body: Type.Object({ inviteToken: Type.String({ maxLength: 256 }), password: Password, name: Name }, { additionalProperties: false }),
        response: { 201: SessionResponse },
      },
    },
    async (request, reply) => startSession(reply, await acceptInvite(deps, callMeta(request), request.body), 201),
  );

  app.post(
    '/v1/auth/logout',
    { config: { auth: 'session' }, schema: { tags, summary: 'End the session', response: { 204: Type.Null({ description: 'Signed out; the cookie is cleared' }) } } },
    async (request, reply) => {
      if (request.session) await logout(deps, request.session.id);
      reply.header('Set-Cookie', app.serializeCookie(SESSION_COOKIE, '', { path: '/', expires: new Date(0) }));
      return reply.code(204).send(null);
    },
  );
};
