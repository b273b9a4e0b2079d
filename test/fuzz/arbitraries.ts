// fast-check arbitraries for requests, derived from the OpenAPI document: values
// that fit a route's schema (so requests get past validation and reach the
// services), the same with one field made wrong, and plain hostile input (wrong
// types, nulls, huge and unicode strings, deep nesting, prototype keys). Ids are
// drawn from a pool of real ones at run time (a `PoolRef`), since the objects a
// request can name only exist once earlier requests made them.
import fc, { type Arbitrary } from 'fast-check';

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
}

/** A placeholder for a real id (or secret) from the run's pool, picked when the request is made. */
export class PoolRef {
  constructor(
    readonly kind: string,
    readonly pick: number,
  ) {}
}

export const ID_PATTERN = '^[a-z]{2,8}_[0-9A-Za-z]+$';

export const poolRef = (kind: string): Arbitrary<PoolRef> => fc.nat().map((n) => new PoolRef(kind, n));

/** What kind of id a field or path parameter names, from its name and the path segment before it. */
export function idKind(name: string, segment = ''): string {
  if (name === 'userId' || name === 'owner') return 'usr';
  if (name === 'tokenId' || name === 'token') return 'tok';
  if (name === 'team') return 'team';
  if (segment === 'teams') return 'team';
  if (segment === 'service-accounts') return 'sa';
  if (segment === 'webhooks') return 'whk';
  if (segment === 'members') return 'usr';
  if (segment === 'api-tokens' || segment === 'tokens') return 'tok';
  return 'any';
}

const tricky = [
  '',
  ' ',
  '0',
  '-1',
  'null',
  'true',
  '__proto__',
  'constructor',
  'prototype',
  '../../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '\u0000',
  '\u202eevil',
  'ǅ',
  '😀'.repeat(40),
  'tok_',
  `tok_${'A'.repeat(60)}`,
  `usr_${'z'.repeat(70)}`,
  'lk_pat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  "' or 1=1 --",
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  'a'.repeat(5_000),
];

export const weirdString: Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...tricky),
  fc.integer().map(String),
  fc.integer({ min: 1_000, max: 70_000 }).map((n) => 'x'.repeat(n)),
);

function nested(depth: number, asObject: boolean): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = asObject ? { a: value } : [value];
  return value;
}

export const weirdValue: Arbitrary<unknown> = fc.oneof(
  weirdString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.constantFrom(1e308, -0, 2 ** 53 + 1, -(2 ** 31), 0.5),
  fc.jsonValue({ maxDepth: 3 }),
  fc.tuple(fc.integer({ min: 20, max: 1_500 }), fc.boolean()).map(([d, o]) => nested(d, o)),
  fc.constant(JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}') as unknown),
);

function strings(schema: JsonSchema, name: string): Arbitrary<unknown> {
  if (schema.pattern === ID_PATTERN) return poolRef(idKind(name));
  if (schema.format === 'date-time') {
    return fc.integer({ min: -2, max: 400 }).map((days) => new Date(Date.now() + days * 86_400_000 + 60_000).toISOString());
  }
  if (schema.format === 'email') return fc.oneof(poolRef('email'), fc.nat(1000).map((n) => `fuzz${n}@example.com`));
  if (schema.pattern?.includes(':[a-z]')) return poolRef('scope');
  if (name === 'url') return fc.constantFrom('https://93.184.216.34/hook', 'https://[2606:4700::1]/x', 'http://127.0.0.1:9/x', 'http://10.0.0.1/x', 'https://8.8.8.8:8443/a?b=c');
  if (name === 'events') return fc.constantFrom('*', 'token.*', 'team.created', 'webhook.*', 'token.expiring');
  if (name === 'password') return fc.constantFrom('correct horse battery staple', 'wrong password 1234');
  if (name === 'token' || name === 'inviteToken') return fc.oneof(poolRef('secret'), weirdString);
  if (name === 'role') return fc.constantFrom('owner', 'admin', 'member', 'viewer', 'root');
  if (name === 'plan') return fc.constantFrom('free', 'pro', 'apex', 'gold');
  if (name === 'ip') return fc.constantFrom('10.0.0.1', '::1', '300.1.1.1', '2001:db8::1');
  const min = schema.minLength ?? 0;
  return fc.string({ minLength: min, maxLength: Math.max(min, Math.min(schema.maxLength ?? 30, 30)) });
}

/** Values that fit `schema` (mostly: strings of a pattern are close guesses). */
export function fromSchema(schema: JsonSchema, name = ''): Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return fc.oneof(...branches.map((b) => fromSchema(b, name)));
  if (schema.allOf) return fc.tuple(...schema.allOf.map((s) => fromSchema(s, name))).map((parts) => Object.assign({}, ...parts.filter((p) => typeof p === 'object')));
  const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? 'object'];
  return fc.oneof(...types.map((type) => fromType(type, schema, name)));
}

function fromType(type: string, schema: JsonSchema, name: string): Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -5, max: Math.min(schema.maximum ?? 1_000, 100_000) });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'string':
      return strings(schema, name);
    case 'array':
      return fc.array(fromSchema(schema.items ?? {}, name), { minLength: Math.min(schema.minItems ?? 0, 3), maxLength: Math.min(schema.maxItems ?? 3, 3) });
    default: {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const entries = Object.entries(properties).map(([key, sub]) => [key, required.has(key) ? fromSchema(sub, key) : fc.option(fromSchema(sub, key), { nil: undefined, freq: 2 })] as const);
      return fc.record(Object.fromEntries(entries)).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
    }
  }
}

/** A body for an operation: fitting, fitting but for one field, with an extra field, or anything at all. */
export function bodyFor(schema: JsonSchema | undefined): Arbitrary<unknown> {
  if (!schema) return fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: weirdValue });
  const fitting = fromSchema(schema);
  return fc.oneof(
    { weight: 5, arbitrary: fitting },
    {
      weight: 3,
      arbitrary: fc.tuple(fitting, fc.nat(), weirdValue).map(([value, i, wrong]) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrong;
        const keys = Object.keys(value);
        if (keys.length === 0) return { ...value, [String(i)]: wrong };
        return { ...value, [keys[i % keys.length]!]: wrong };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fitting, fc.nat()).map(([value, i]) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
        const keys = Object.keys(value);
        const copy = { ...value } as Record<string, unknown>;
        delete copy[keys[i % Math.max(keys.length, 1)] ?? ''];
        return copy;
      }),
    },
    { weight: 1, arbitrary: fc.tuple(fitting, weirdString, weirdValue).map(([value, key, extra]) => (typeof value === 'object' && value !== null ? { ...value, [key]: extra } : value)) },
    { weight: 2, arbitrary: weirdValue },
  );
}

/** How the body goes on the wire. */
export const ENCODINGS = ['json', 'json', 'json', 'json', 'json', 'truncated', 'text', 'form', 'no-content-type', 'charset', 'vendor', 'bad-utf8', 'multipart', 'empty'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export function encode(body: unknown, encoding: Encoding, cut: number): { payload?: string | Buffer; contentType?: string } {
  const text = body === undefined ? undefined : JSON.stringify(body);
  switch (encoding) {
    case 'json':
      return text === undefined ? {} : { payload: text, contentType: 'application/json' };
    case 'truncated':
      return { payload: (text ?? '{"a":').slice(0, cut % Math.max((text ?? '').length, 1)), contentType: 'application/json' };
    case 'text':
      return { payload: text ?? 'hello', contentType: 'text/plain' };
    case 'form':
      return { payload: 'name=x&scopes=tokens:read', contentType: 'application/x-www-form-urlencoded' };
    case 'no-content-type':
      return { payload: text ?? '{}' };
    case 'charset':
      return { payload: text ?? '{}', contentType: 'application/json; charset=utf-16' };
    case 'vendor':
      return { payload: text ?? '{}', contentType: 'application/vnd.api+json' };
    case 'bad-utf8':
      return { payload: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d]), contentType: 'application/json' };
    case 'multipart':
      return { payload: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', contentType: 'multipart/form-data; boundary=x' };
    case 'empty':
      return { payload: '', contentType: 'application/json' };
  }
}

/** Who asks. */
export const CREDENTIALS = ['owner', 'owner', 'owner', 'member', 'session', 'session', 'session-no-csrf', 'api-key', 'other-org', 'none', 'garbage', 'revoked', 'malformed-header', 'session-wrong-org'] as const;
export type CredentialKind = (typeof CREDENTIALS)[number];
