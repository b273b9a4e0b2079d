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
        operationId: 'login',
        tags,
        summary: 'Sign in with email and password',
        description:
          'Starts a session: the `latchkey_session` cookie (HttpOnly, SameSite=Strict) and, in the body, the `csrfToken` that unsafe requests made with the cookie send back as `X-CSRF-Token`. A wrong email or password is 401, with no hint which.',
        body: Type.Object(
          {
            email: Email,
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            orgId: Type.Optional(Type.String({ maxLength: 64, description: 'The org to act in, for a person in several (default: their first)' })),
          },
          { additionalProperties: false, examples: [{ email: 'ada@example.com', password: 'correct horse battery staple' }] },
        ),
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
        operationId: 'acceptInvite',
        tags,
        summary: 'Accept an invitation',
        description: 'Creates the user and their membership with the invited role, and starts a session as POST /v1/auth/login does. An invitation works once, until it expires.',
        body: Type.Object(
          {
            inviteToken: Type.String({ maxLength: 256, description: 'The inviteToken from POST /v1/members' }),
            password: Type.String({ ...Password, description: 'At least 8 characters' }),
            name: Name,
          },
          { additionalProperties: false, examples: [{ inviteToken: 'inv_3fKq9XbT0aLmN2pQrS7uVwXyZ1bC4dE5', password: 'correct horse battery staple', name: 'Ada' }] },
        ),
        response: { 201: SessionResponse },
      },
    },
    async (request, reply) => startSession(reply, await acceptInvite(deps, callMeta(request), request.body), 201),
  );

  app.get(
    '/v1/auth/session',
    { config: { auth: 'session' }, schema: { operationId: 'getSession', tags, summary: 'Get the current session', description: 'The signed-in person, the default org and the CSRF token again, for a dashboard page reloaded after sign-in. Session only.', response: { 200: SessionResponse } } },
    async (request, reply) => {
      if (!request.session) throw new AppError('unauthorized');
      const org = request.actor?.org ?? null;
      return reply.header('Cache-Control', 'no-store').send(await currentSession(deps, request.session.id, org));
    },
  );

  app.post(
    '/v1/auth/logout',
        {
      config: { auth: 'session' },
      schema: {
        operationId: 'logout',
        tags,
        summary: 'Sign out',
        description: 'Ends the session and clears its cookie. Tokens are not affected.',
        response: { 204: Type.Null({ description: 'Signed out; the cookie is cleared' }) },
      },
    },
    async (request, reply) => {
      if (request.session) await logout(deps, request.session.id);
      reply.header('Set-Cookie', app.serializeCookie(SESSION_COOKIE, '', { path: '/', expires: new Date(0) }));
      return reply.code(204).send(null);
    },
  );
};
