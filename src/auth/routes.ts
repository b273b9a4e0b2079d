// HTTP adapter for sessions: login, logout, accepting an invitation.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { Deps } from '../deps.js';
import { callMeta, SESSION_COOKIE } from '../http/auth.js';
import { Email, Name, Nullable, OrgRefSchema, Password } from '../http/schemas.js';
import { acceptInvite, currentSession, login, logout, type SessionStart } from './service.js';
import { AppError } from '../errors.js';

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
    reply.setCookie(SESSION_COOKIE, secret, {
      httpOnly: true,
      sameSite: 'strict',
      secure: deps.config.cookieSecure,
      path: '/',
      expires: new Date(session.expiresAt),
    });
    return reply.code(status).header('Cache-Control', 'no-store').send(body);
  }

  app.post(
    '/v1/auth/login',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'login', tags,
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
        operationId: 'acceptInvite', tags,
        summary: 'Accept an invitation: creates the user and membership, starts a session',
        body: Type.Object({ inviteToken: Type.String({ maxLength: 256 }), password: Password, name: Name }, { additionalProperties: false }),
        response: { 201: SessionResponse },
      },
    },
    async (request, reply) => startSession(reply, await acceptInvite(deps, callMeta(request), request.body), 201),
  );

  app.get(
    '/v1/auth/session',
    { config: { auth: 'session' }, schema: { operationId: 'getSession', tags, summary: 'The current session and its CSRF token (for a page reloaded after sign-in)', response: { 200: SessionResponse } } },
    async (request, reply) => {
      if (!request.session) throw new AppError('unauthorized');
      const org = request.actor?.org ?? null;
      return reply.header('Cache-Control', 'no-store').send(await currentSession(deps, request.session.id, org));
    },
  );

  app.post(
    '/v1/auth/logout',
    { config: { auth: 'session' }, schema: { operationId: 'logout', tags, summary: 'End the session', response: { 204: Type.Null({ description: 'Signed out; the cookie is cleared' }) } } },
    async (request, reply) => {
      if (request.session) await logout(deps, request.session.id);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
};
