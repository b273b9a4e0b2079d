// Helpers for the preset conformance suites: a server initialised with a preset
// (the same `initialize` that `latchkey init --preset` runs), people joining it,
// and short request helpers.
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, createTestOrg, login, OWNER_PASSWORD, request, type Session, type TestApp, type TestOrg } from '../helpers.js';

export interface PresetServer {
  t: TestApp;
  org: TestOrg;
  owner: Session;
}

/** A server on a fresh database whose config is `{ "preset": name }`, initialised (first org, owner, owner's token). */
export async function presetServer(preset: string): Promise<PresetServer> {
  const t = await createTestApp({ overrides: { preset } });
  const org = await createTestOrg(t, `${preset} org`);
  const owner = await login(t, org.ownerEmail, OWNER_PASSWORD);
  return { t, org, owner };
}

export type Credential = string | Session;

function auth(credential: Credential): { token: string } | { session: Session } {
  return typeof credential === 'string' ? { token: credential } : { session: credential };
}

export function client(t: TestApp) {
  return {
    get: (url: string, as: Credential) => request(t, { method: 'GET', url, ...auth(as) }),
    post: (url: string, as: Credential, payload: object = {}) => request(t, { method: 'POST', url, payload, ...auth(as) }),
    put: (url: string, as: Credential, payload: object = {}) => request(t, { method: 'PUT', url, payload, ...auth(as) }),
    patch: (url: string, as: Credential, payload: object) => request(t, { method: 'PATCH', url, payload, ...auth(as) }),
    del: (url: string, as: Credential) => request(t, { method: 'DELETE', url, ...auth(as) }),
  };
}

export interface Person {
  userId: string;
  email: string;
  session: Session;
}

/** Someone invited with a role who accepts, signed in (no token yet). */
export async function join(t: TestApp, as: Credential, role: string, orgId?: string): Promise<Person> {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.com`;
  const invited = await client(t).post('/v1/members', as, { email, role });
  if (invited.statusCode !== 201) throw new Error(`invite failed: ${invited.body}`);
  const accepted = await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload: { inviteToken: invited.json().inviteToken, password: OWNER_PASSWORD, name: role } });
  if (accepted.statusCode !== 201) throw new Error(`accept failed: ${accepted.body}`);
  const cookie = accepted.cookies.find((c) => c.name === 'latchkey_session')!;
  return { userId: accepted.json().user.id, email, session: { cookie: `latchkey_session=${cookie.value}`, csrfToken: accepted.json().csrfToken, ...(orgId ? { orgId } : {}) } };
}

/** A response body as the tests read it: loosely, asserting what matters with expect(). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = Record<string, any>;

/** Asserts a 2xx and returns the JSON body. */
export function ok<T = Body>(res: LightMyRequestResponse): T {
  if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`expected success, got ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

export interface VerifyAnswer {
  valid: boolean;
  allowed: boolean;
  code: string;
  principal: { type: string; id: string; name: string; email?: string } | null;
  token: { id: string; prefix: string } | null;
}

/** POST /v1/verify as the host API would (with the owner's token, which holds tokens:verify). */
export async function verify(t: TestApp, caller: Credential, token: string, check: { scope?: string; team?: string; resource?: string } = {}): Promise<VerifyAnswer> {
  return ok<VerifyAnswer>(await client(t).post('/v1/verify', caller, { token, ...check }));
}
