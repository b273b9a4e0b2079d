// The JSON Schema of latchkey.config.json, which every preset file under
// presets/ is checked against too: a preset is nothing but configuration. A new
// configuration option is added here (and read in config.ts), never as a check
// of which preset is running.
import { Type, type Static } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';

const ScopeName = Type.String({ pattern: '^[a-z][a-z0-9_.-]*:[a-z][a-z0-9_.-]*$' });
const Text = Type.String({ minLength: 1, maxLength: 200 });

/** The words the dashboard, CLI and MCP use for Latchkey's concepts (GET /v1/me and /v1/org return them). */
export const VocabularySchema = Type.Object(
  {
    org: Type.Optional(Text),
    orgs: Type.Optional(Text),
    team: Type.Optional(Text),
    teams: Type.Optional(Text),
    member: Type.Optional(Text),
    members: Type.Optional(Text),
    personalToken: Type.Optional(Text),
    personalTokens: Type.Optional(Text),
    teamToken: Type.Optional(Text),
    teamTokens: Type.Optional(Text),
    orgToken: Type.Optional(Text),
    orgTokens: Type.Optional(Text),
    serviceAccount: Type.Optional(Text),
    serviceAccounts: Type.Optional(Text),
  },
  { additionalProperties: false },
);

const RateSetting = Type.Object({ limit: Type.Integer({ minimum: 1 }), windowSeconds: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

const EXPIRY_CHOICES = ['never', '7d', '30d', '60d', '90d', '1y', 'custom'] as const;

export const FileConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    preset: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$', description: 'A preset under presets/ to start from; keys in this file override it' })),
    description: Type.Optional(Type.String({ description: 'What this configuration is (shown by `latchkey presets`)' })),
    seeds: Type.Optional(Type.Array(Type.String(), { description: 'The product documents this configuration reproduces' })),
    deviations: Type.Optional(Type.Array(Type.String(), { description: 'Where this configuration knowingly differs from those documents, and why' })),
    tokenPrefix: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9]{0,15}$' })),
    tokenDisplayPrefixLength: Type.Optional(
      Type.Integer({ minimum: 8, maximum: 24, description: 'How many leading characters of a token are its non-secret display prefix (default: up to 4 characters of the body)' }),
    ),
    scopes: Type.Optional(
      Type.Array(Type.Object({ scope: ScopeName, category: Type.Optional(Text), description: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })),
    ),
    scopeCategoryNames: Type.Optional(Type.Record(Type.String(), Text, { description: 'Renames the categories of the built-in management scopes' })),
    roles: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$' }),
            rank: Type.Integer(),
            description: Type.String(),
            scopes: Type.Array(Type.String()),
            exclude: Type.Optional(Type.Array(Type.String())),
          },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
    ),
    plans: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 50 }),
            seatLimit: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
            features: Type.Object({ auditLog: Type.Boolean() }, { additionalProperties: false }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
    ),
    defaultPlan: Type.Optional(Type.String()),
    words: Type.Optional(VocabularySchema),
    personalTokens: Type.Optional(
      Type.Object(
        {
          maxPerUser: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'Live personal tokens per person per org, whatever the org policy says' })),
          rollable: Type.Optional(Type.Boolean({ description: 'false: personal tokens cannot be rolled (create a new one, switch, revoke the old)' })),
          requireScopes: Type.Optional(Type.Boolean({ description: 'true: a personal token must name its scopes (no inheriting everything)' })),
        },
        { additionalProperties: false },
      ),
    ),
    tokenExpiry: Type.Optional(
      Type.Object(
        {
          choices: Type.Optional(Type.Array(Type.Union(EXPIRY_CHOICES.map((c) => Type.Literal(c))), { minItems: 1, description: 'The expiries a new token may be given' })),
          required: Type.Optional(Type.Boolean({ description: 'true: every mint states its expiry (expiresIn, expiresAt, or null for never)' })),
        },
        { additionalProperties: false },
      ),
    ),
    serviceAccounts: Type.Optional(
      Type.Object(
        {
          snapshotScopesAtIssuance: Type.Optional(
            Type.Boolean({ description: "true: a service-account token keeps the scopes it was issued with; changing the account's scopes does not change it" }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    requireScopeFor: Type.Optional(
      Type.Object(
        { serviceAccounts: Type.Optional(ScopeName) },
        { additionalProperties: false, description: 'The scope an action needs instead of the built-in one' },
      ),
    ),
    auth: Type.Optional(
      Type.Object(
        { distinguishTokenFailures: Type.Optional(Type.Boolean({ description: 'false: a revoked, expired or unknown token all answer 401 unauthorized' })) },
        { additionalProperties: false },
      ),
    ),
    audit: Type.Optional(
      Type.Object(
        {
          actionNames: Type.Optional(
            Type.Record(Type.String(), Type.String({ pattern: '^[a-z][a-z0-9_.]*$' }), {
              description: 'Recorded names of actions: "token.minted", or per token kind "token.minted:personal" → "account.pat.mint"',
            }),
          ),
          recordDenied: Type.Optional(Type.Boolean({ description: 'true: a credential refused (403) records access.denied' })),
          usesCarryRequestIds: Type.Optional(Type.Boolean({ description: 'true: each batched token.used event lists the request ids it aggregates' })),
        },
        { additionalProperties: false },
      ),
    ),
    bodyLimit: Type.Optional(Type.Integer({ minimum: 1024 })),
    sessionTtlSeconds: Type.Optional(Type.Integer({ minimum: 60 })),
    lastUseFlushMs: Type.Optional(Type.Integer({ minimum: 10 })),
    tokenCache: Type.Optional(
      Type.Object(
        {
          ttlMs: Type.Optional(Type.Integer({ minimum: 0 })),
          negativeTtlMs: Type.Optional(Type.Integer({ minimum: 0 })),
          maxEntries: Type.Optional(Type.Integer({ minimum: 1 })),
          externalCheckMs: Type.Optional(Type.Number({ minimum: 0, description: 'SQLite: how often (ms) to look for commits by other processes' })),
        },
        { additionalProperties: false },
      ),
    ),
    accessLog: Type.Optional(
      Type.Object(
        {
          sampleRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of ordinary requests logged (1 all, 0 none)' })),
          slowMs: Type.Optional(Type.Number({ minimum: 0, description: 'Requests slower than this are always logged' })),
        },
        { additionalProperties: false },
      ),
    ),
    webhooks: Type.Optional(
      Type.Object(
        {
          allowPrivateNetworks: Type.Optional(Type.Boolean({ description: 'Deliver to loopback, private and link-local addresses (refused by default)' })),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
          retryBaseMs: Type.Optional(Type.Integer({ minimum: 0 })),
          retryMaxMs: Type.Optional(Type.Integer({ minimum: 0 })),
          disableAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
          pollIntervalMs: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    sweepIntervalSeconds: Type.Optional(Type.Integer({ minimum: 0, description: 'Seconds between expiry-warning / unused-token sweeps; 0 = none' })),
    verifyEvents: Type.Optional(
      Type.Object(
        { heartbeatMs: Type.Optional(Type.Integer({ minimum: 1 })), maxBufferedBytes: Type.Optional(Type.Integer({ minimum: 1024 })) },
        { additionalProperties: false },
      ),
    ),
    trustProxy: Type.Optional(Type.Array(Type.String(), { description: 'Proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed' })),
    throttles: Type.Optional(
      Type.Object(
        {
          loginFailures: Type.Optional(RateSetting),
          bearerFailures: Type.Optional(RateSetting),
          verifyFailures: Type.Optional(RateSetting),
          publicRevocations: Type.Optional(RateSetting),
          maxKeys: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    secretScanning: Type.Optional(
      Type.Object(
        { publicKeys: Type.Optional(Type.Array(Type.Object({ id: Type.String({ minLength: 1 }), pem: Type.String({ minLength: 1 }) }, { additionalProperties: false }))) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type FileConfig = Static<typeof FileConfigSchema>;
export type Vocabulary = Required<Static<typeof VocabularySchema>>;
export type ExpiryChoice = (typeof EXPIRY_CHOICES)[number];

let validator: ReturnType<Ajv['compile']> | undefined;
/** Compiled on first use: most commands never read a config file. */
function validate(value: unknown): boolean {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(FileConfigSchema);
  return validator(value) as boolean;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(top level)';
  if (error.keyword === 'additionalProperties') return `${where}: unknown key "${String(error.params.additionalProperty)}"`;
  return `${where}: ${error.message ?? 'invalid'}`;
}

/** The problems with a config (or preset) object, one line each; empty when it is valid. */
export function configProblems(value: unknown): string[] {
  return validate(value) ? [] : (validator?.errors ?? []).map(describe);
}
