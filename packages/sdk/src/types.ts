// Friendly names for the request and response shapes, all taken from the types
// generated from the server's OpenAPI document (generated/openapi.ts), never
// written by hand.
import type { paths } from './generated/openapi.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Json<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** The JSON a route answers with on success (the first 2xx it documents). */
export type ResponseOf<P extends keyof paths, M extends Method> =
  Op<P, M> extends { responses: infer R }
    ? 200 extends keyof R
      ? Json<R[200]>
      : 201 extends keyof R
        ? Json<R[201]>
        : never
    : never;

/** A route's JSON body. */
export type BodyOf<P extends keyof paths, M extends Method> =
  Op<P, M> extends { requestBody?: infer B } ? NonNullable<Json<NonNullable<B>>> : never;

/** A route's query parameters. */
export type QueryOf<P extends keyof paths, M extends Method> =
  Op<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

type Item<L> = L extends { data: (infer T)[] } ? T : never;

export type Me = ResponseOf<'/v1/me', 'get'>;
export type Org = ResponseOf<'/v1/org', 'get'>;
export type OrgUpdate = BodyOf<'/v1/org', 'patch'>;
export type OrgCreate = BodyOf<'/v1/orgs', 'post'>;
export type CreatedOrg = ResponseOf<'/v1/orgs', 'post'>;
export type Seats = ResponseOf<'/v1/seats', 'get'>;
export type Roles = ResponseOf<'/v1/roles', 'get'>;
export type ScopeCatalogue = ResponseOf<'/v1/api-tokens/scopes', 'get'>;

export type SessionStart = ResponseOf<'/v1/auth/login', 'post'>;
export type LoginInput = BodyOf<'/v1/auth/login', 'post'>;
export type AcceptInviteInput = BodyOf<'/v1/auth/accept-invite', 'post'>;

export type Token = ResponseOf<'/v1/api-tokens/{id}', 'get'>;
/** A token as minted or rolled: with `token`, the plaintext, shown only here. */
export type MintedToken = ResponseOf<'/v1/api-tokens', 'post'>;
export type Grant = Token['grants'][number];
export type PersonalTokenCreate = BodyOf<'/v1/api-tokens', 'post'>;
export type PersonalTokenListQuery = QueryOf<'/v1/api-tokens', 'get'>;
export type RollOptions = { gracePeriodSeconds?: number };
export type RevokedCount = ResponseOf<'/v1/api-tokens/revoke-all', 'post'>;

export type OrgTokenListQuery = QueryOf<'/v1/tokens', 'get'>;
export type OrgTokenCreate = BodyOf<'/v1/tokens', 'post'>;

export type Member = Item<ResponseOf<'/v1/members', 'get'>>;
export type MemberAdd = BodyOf<'/v1/members', 'post'>;
export type MemberAdded = ResponseOf<'/v1/members', 'post'>;
export type MemberUpdate = BodyOf<'/v1/members/{userId}', 'patch'>;

export type ServiceAccount = ResponseOf<'/v1/service-accounts/{id}', 'get'>;
export type ServiceAccountCreate = BodyOf<'/v1/service-accounts', 'post'>;
export type ServiceAccountUpdate = BodyOf<'/v1/service-accounts/{id}', 'patch'>;
export type ServiceAccountTokenCreate = BodyOf<'/v1/service-accounts/{id}/tokens', 'post'>;

export type Team = ResponseOf<'/v1/teams/{id}', 'get'>;
export type TeamCreate = BodyOf<'/v1/teams', 'post'>;
export type TeamUpdate = BodyOf<'/v1/teams/{id}', 'patch'>;
export type TeamMember = Item<ResponseOf<'/v1/teams/{id}/members', 'get'>>;
export type TeamMemberAdd = BodyOf<'/v1/teams/{id}/members', 'post'>;
export type TeamMemberUpdate = BodyOf<'/v1/teams/{id}/members/{userId}', 'patch'>;
export type TeamTokenCreate = BodyOf<'/v1/teams/{id}/tokens', 'post'>;
export type TeamTokenAttach = BodyOf<'/v1/teams/{id}/tokens/{tokenId}', 'put'>;

export type AuditEvent = Item<ResponseOf<'/v1/audit-events', 'get'>>;
export type AuditQuery = Omit<QueryOf<'/v1/audit-events', 'get'>, 'format'>;

export type VerifyRequest = BodyOf<'/v1/verify', 'post'>;
export type VerifyResult = ResponseOf<'/v1/verify', 'post'>;
export type VerifyCode = VerifyResult['code'];
/** What to check besides validity: `verify(token, { scope, team, resource, ip })`. */
export type VerifyOptions = Omit<VerifyRequest, 'token'>;

/** Paging parameters of a list route (`limit`, `cursor`). */
export type PageQueryOf<P extends keyof paths> = QueryOf<P, 'get'>;
