// Shared request/response schemas. The same objects validate requests, serialise
// responses and generate the OpenAPI document, so the three cannot drift apart.
import { MAX_GRACE_SECONDS } from '../tokens/service.js';
import { Type, type Static, type TNull, type TSchema, type TUnion, type TUnsafe } from '@sinclair/typebox';

/**
 * `T | null`. Where the schema has one JSON type this is written as a type array
 * (`["object", "null"]`) rather than `anyOf`: the response serializer turns
 * `anyOf` into a validation per branch on every response, a type array into a
 * typeof check.
 */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> | TUnion<[T, TNull]> {
  if (typeof schema.type === 'string') {
    const nullable: Record<string, unknown> = { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(schema.enum)) nullable.enum = [...(schema.enum as unknown[]), null];
    return Type.Unsafe<Static<T> | null>(nullable);
  }
  return Type.Union([schema, Type.Null()]);
}

/** One of a few strings, as a JSON Schema `enum` (cheaper to check and serialize than a union of literals). */
export function StringEnum<const V extends readonly string[]>(values: V, options: { description?: string } = {}): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** Free text that is never a control character: names, descriptions. */
export const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$' });
export const Id = Type.String({ minLength: 3, maxLength: 64, pattern: '^[a-z]{2,8}_[0-9A-Za-z]+$' });
/** An id field with its own description (path parameters, filters). */
export function IdOf(description: string) {
  return Type.String({ minLength: 3, maxLength: 64, pattern: '^[a-z]{2,8}_[0-9A-Za-z]+$', description });
}
export const Scope = Type.String({ minLength: 3, maxLength: 100, pattern: '^[a-z][a-z0-9_.-]*:[a-z][a-z0-9_.-]*$' });
export const ResourceId = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
export const DateTime = Type.String({ format: 'date-time' });
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Type.String({ minLength: 8, maxLength: 1024 });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true },
);

export const GrantSchema = Type.Object({
  team: Nullable(Type.String()),
  scopes: Type.Array(Type.String()),
  resources: Nullable(Type.Array(Type.String())),
});

export const Expiry = {
  expiresIn: Type.Optional(Nullable(StringEnum(['7d', '30d', '60d', '90d', '1y'], { description: 'Lifetime from now; null = never (when the org policy allows). Give this or expiresAt.' }))),
  expiresAt: Type.Optional(Nullable(Type.String({ format: 'date-time', description: 'Expiry as an ISO 8601 time; null = never (when the org policy allows)' }))),
};

export const TokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: StringEnum(['personal', 'service']),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  grants: Type.Array(GrantSchema),
  inheritsOwnerPermissions: Type.Boolean(),
  role: Nullable(Type.String()),
  ownerUserId: Nullable(Type.String()),
  serviceAccountId: Nullable(Type.String()),
  teamId: Nullable(Type.String()),
  expiresAt: Nullable(Type.String()),
  createdAt: Type.String(),
  createdBy: Type.Object({ type: Type.String(), id: Nullable(Type.String()) }),
  rolledAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
  lastUsedAt: Nullable(Type.String()),
  lastUsedIp: Nullable(Type.String()),
  lastUserAgent: Nullable(Type.String()),
  status: StringEnum(['active', 'revoked', 'expired']),
});

export const MintedTokenSchema = Type.Intersect([TokenSchema, Type.Object({ token: Type.String({ description: 'The plaintext, shown only in this response' }) })]);

export const OrgRefSchema = Type.Object({ id: Type.String(), name: Type.String(), plan: Type.String() });

export const PrincipalSchema = Type.Object({
  type: StringEnum(['user', 'service_account', 'org']),
  id: Type.String(),
  name: Type.String(),
  email: Type.Optional(Type.String()),
});

export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Page size (default 50)' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'The nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export function listOf<T extends TSchema>(item: T) {
  return Type.Object({ data: Type.Array(item), nextCursor: Nullable(Type.String()) });
}

/** Path parameters `{id}`, described for the object they name. */
export function IdParams(what: string) {
  return Type.Object({ id: IdOf(`The ${what}'s id`) }, { additionalProperties: false });
}

/** Roll: an optional grace period during which the old value keeps working (at most a day). */
export const RollBody = Type.Union(
  [
    Type.Object(
      {
        gracePeriodSeconds: Type.Optional(
          Type.Integer({ minimum: 0, maximum: MAX_GRACE_SECONDS, description: 'How long the old value keeps working (default 0: it stops at once)' }),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  { examples: [{ gracePeriodSeconds: 60 }] },
);

/** The body of a revoke-all: nothing (an empty object or null). */
export const EmptyBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()], { examples: [{}] });

/** A grant written flat in a request body: scopes, optionally limited to resources. */
export const GrantBody = {
  scopes: Type.Array(Scope, { minItems: 1, maxItems: 200, description: 'Scopes from the catalogue, each within your own permissions' }),
  resources: Type.Optional(Nullable(Type.Array(ResourceId, { minItems: 1, maxItems: 200, description: 'Limit the scopes to these resource ids; null or absent = any resource' }))),
};
