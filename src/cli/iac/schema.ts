// The declarative file's JSON Schema (SPEC §7.4; `latchkey schema` prints it for
// editors) and the TypeScript shape it validates to.

export type ExpiresIn = '7d' | '30d' | '60d' | '90d' | '1y' | 'never' | null;

export interface TokenSpec {
  name: string;
  scopes?: string[];
  resources?: string[];
  expiresIn?: ExpiresIn;
}

export interface OrgTokenSpec extends TokenSpec {
  role?: string;
}

export interface MemberSpec {
  email: string;
  scopes: string[];
  resources?: string[];
}

export interface ServiceAccountSpec {
  name: string;
  scopes: string[];
  resources?: string[];
  tokens?: TokenSpec[];
}

export interface TeamSpec {
  name: string;
  members?: MemberSpec[];
  tokens?: (TokenSpec & { scopes: string[] })[];
}

export interface PolicySpec {
  requireExpiry?: boolean;
  maxLifetimeDays?: number | null;
  maxPersonalTokensPerUser?: number | null;
}

export interface OrgSpec {
  policy?: PolicySpec;
  serviceAccounts?: ServiceAccountSpec[];
  teams?: TeamSpec[];
  orgTokens?: OrgTokenSpec[];
}

const name = { type: 'string', minLength: 1, maxLength: 100, pattern: '^\\S(.*\\S)?$', description: 'Matched by name: the server holds the state' };
const scope = { type: 'string', pattern: '^[a-z][a-z0-9_.-]*:[a-z][a-z0-9_.-]*$', description: 'A scope from the org catalogue, e.g. issues:read' };
const scopes = { type: 'array', items: scope, minItems: 1, maxItems: 200, uniqueItems: true };
const resources = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, minItems: 1, maxItems: 200, uniqueItems: true, description: 'Limit the grant to these resource ids' };
const expiresIn = { enum: ['7d', '30d', '60d', '90d', '1y', 'never', null], description: 'Lifetime from minting; changing it replaces the token' };

const token = (required: string[], extra: Record<string, unknown> = {}) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties: { name, scopes, resources, expiresIn, ...extra },
});

export const FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://latchkey.dev/schema/org.json',
  title: 'Latchkey org configuration',
  description: 'What an org should contain; `latchkey plan -f FILE` shows the changes, `latchkey apply -f FILE` makes them.',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    policy: {
      type: 'object',
      additionalProperties: false,
      properties: {
        requireExpiry: { type: 'boolean' },
        maxLifetimeDays: { type: ['integer', 'null'], minimum: 1, maximum: 36500 },
        maxPersonalTokensPerUser: { type: ['integer', 'null'], minimum: 1, maximum: 10000 },
      },
    },
    serviceAccounts: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'scopes'],
        properties: { name, scopes, resources, tokens: { type: 'array', items: token(['name']) } },
      },
    },
    teams: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name,
          members: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['email', 'scopes'],
              properties: { email: { type: 'string', pattern: '^[^\\s@]+@[^\\s@]+$', maxLength: 254 }, scopes, resources },
            },
          },
          tokens: { type: 'array', items: token(['name', 'scopes']) },
        },
      },
    },
    orgTokens: {
      type: 'array',
      description: 'Org API keys: service tokens owned by the org, with a role (≤ yours) or scopes',
      items: token(['name'], { role: { type: 'string', minLength: 1, maxLength: 50 } }),
    },
  },
} as const;
