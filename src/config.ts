// One typed Config, parsed once from the environment and an optional JSON file,
// then passed explicitly to everything that needs it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { configProblems, type ExpiryChoice, type FileConfig, type Vocabulary } from './config-schema.js';
import { readPreset } from './presets.js';
import {
  DEFAULT_ROLES,
  MANAGEMENT_SCOPES,
  resolveRoles,
  SCOPE_PATTERN,
  type RoleDefinition,
  type ScopeDefinition,
} from './permissions/catalogue.js';

/** The verification cache (tokens/cache.ts). */
export interface TokenCacheOptions {
  /** Backstop: how long a cached verification may be served without a re-read; 0 turns the cache off. */
  ttlMs: number;
  /** How long "no such token" is remembered. */
  negativeTtlMs: number;
  /** Bound on entries (the oldest go first), for each of the positive and negative caches. */
  maxEntries: number;
}

export const DEFAULT_TOKEN_CACHE: TokenCacheOptions = { ttlMs: 5_000, negativeTtlMs: 2_000, maxEntries: 50_000 };

export interface PlanDefinition {
  name: string;
  seatLimit: number | null;
  features: { auditLog: boolean };
}

export interface Config {
  dataDir: string;
  /** A SQLite file path or a postgres:// URL. */
  databaseUrl: string;
  tokenPrefix: string;
  /** Host API scopes from the config file; management scopes are built in. */
  catalogue: ScopeDefinition[];
  apiScopes: Set<string>;
  roles: RoleDefinition[];
  plans: PlanDefinition[];
  defaultPlan: string;
  bodyLimit: number;
  sessionTtlSeconds: number;
  inviteTtlSeconds: number;
  lastUseFlushMs: number;
  tokenCache: TokenCacheOptions;
  /** scrypt cost parameter N for passwords. */
  passwordCost: number;
  cookieSecure: boolean;
  trustProxy: boolean;
  /** Where the config was read from, if anywhere. */
  configFile: string | null;
  /** The preset the configuration starts from (presets/<name>.json), if any. */
  preset: string | null;
  /** The words surfaces use for orgs, teams and tokens (a preset's "troop", "fleet", "workspace"). */
  vocabulary: Vocabulary;
  /** Leading characters of a token shown as its display prefix; null = through 4 body characters. */
  tokenDisplayPrefixLength: number | null;
  personalTokens: { maxPerUser: number | null; rollable: boolean; requireScopes: boolean };
  /** Which expiries a mint may ask for (null = any), and whether it must say. */
  tokenExpiry: { choices: ExpiryChoice[] | null; required: boolean };
  serviceAccounts: { snapshotScopesAtIssuance: boolean };
  /** The scope each action needs. */
  requireScopeFor: { serviceAccounts: string };
  /** false: revoked, expired and unknown tokens all answer 401 `unauthorized`. */
  auth: { distinguishTokenFailures: boolean };
  audit: { actionNames: Record<string, string>; recordDenied: boolean; usesCarryRequestIds: boolean };
}

export const DEFAULT_VOCABULARY: Vocabulary = {
  org: 'organization',
  orgs: 'organizations',
  team: 'team',
  teams: 'teams',
  member: 'member',
  members: 'members',
  personalToken: 'personal access token',
  personalTokens: 'personal access tokens',
  teamToken: 'team token',
  teamTokens: 'team tokens',
  orgToken: 'API key',
  orgTokens: 'API keys',
  serviceAccount: 'service account',
  serviceAccounts: 'service accounts',
};

export const DEFAULT_PLANS: PlanDefinition[] = [
  { name: 'free', seatLimit: 5, features: { auditLog: false } },
  { name: 'pro', seatLimit: 50, features: { auditLog: true } },
  { name: 'apex', seatLimit: 1000, features: { auditLog: true } },
];


export class ConfigError extends Error {}

function readFileConfig(file: string): FileConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read config ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config ${file} must be a JSON object`);
  }
  const problems = configProblems(parsed);
  if (problems.length > 0) throw new ConfigError(`config ${file} is invalid: ${problems.join('; ')}`);
  return parsed as FileConfig;
}

function presetConfig(name: string): FileConfig {
  try {
    return readPreset(name);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Layers configs: later ones win key by key, and one level down inside objects (`audit`, `words`, …). */
export function layerConfigs(...layers: Partial<FileConfig>[]): FileConfig {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const before = out[key];
      out[key] = isPlainObject(before) && isPlainObject(value) ? { ...before, ...value } : value;
    }
  }
  return out as FileConfig;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  dataDir?: string;
  databaseUrl?: string;
  /** Values that win over the file and the environment (tests use this). */
  overrides?: Partial<FileConfig> & Partial<Pick<Config, 'passwordCost' | 'cookieSecure' | 'trustProxy'>>;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = env.LATCHKEY_CONFIG;
  const candidate = explicit ? path.resolve(cwd, explicit) : path.join(cwd, 'latchkey.config.json');
  if (explicit && !existsSync(candidate)) throw new ConfigError(`LATCHKEY_CONFIG points at ${candidate}, which does not exist`);
  const configFile = existsSync(candidate) ? candidate : null;
  const own = configFile ? readFileConfig(configFile) : {};
  const presetName = options.overrides?.preset ?? own.preset ?? null;
  // A preset is the bottom layer: the file, then the caller's overrides, win over it.
  const file = layerConfigs(presetName ? presetConfig(presetName) : {}, own, options.overrides ?? {});

  const dataDir = path.resolve(cwd, options.dataDir ?? env.LATCHKEY_DATA_DIR ?? '.latchkey');
  const databaseUrl = options.databaseUrl ?? env.LATCHKEY_DATABASE_URL ?? path.join(dataDir, 'latchkey.db');

  const tokenPrefix = file.tokenPrefix ?? 'lk';
  if (!/^[a-z][a-z0-9]{0,15}$/.test(tokenPrefix)) {
    throw new ConfigError(`tokenPrefix must be 1-16 lowercase letters or digits, starting with a letter`);
  }

  const apiScopes = file.scopes ?? [];
  const builtIn = new Set(MANAGEMENT_SCOPES.map((s) => s.scope));
  for (const entry of apiScopes) {
    if (typeof entry?.scope !== 'string' || !SCOPE_PATTERN.test(entry.scope)) {
      throw new ConfigError(`scope ${JSON.stringify(entry?.scope)} is not of the form resource:action`);
    }
    if (builtIn.has(entry.scope)) throw new ConfigError(`scope ${entry.scope} is built in; do not redefine it`);
  }
  const categoryNames = file.scopeCategoryNames ?? {};
  const catalogue = [
    ...MANAGEMENT_SCOPES.map((s) => ({ ...s, category: categoryNames[s.category] ?? s.category })),
    ...apiScopes.map((s) => ({ scope: s.scope, category: s.category ?? 'API', description: s.description ?? '' })),
  ];
  const apiScopeSet = new Set(apiScopes.map((s) => s.scope));
  const roles = resolveRoles(file.roles ?? DEFAULT_ROLES, catalogue, apiScopeSet);
  if (!roles.some((r) => r.name === 'owner')) throw new ConfigError('roles must include owner');

  const plans = file.plans ?? DEFAULT_PLANS;
  const defaultPlan = file.defaultPlan ?? (file.plans ? (plans[0]?.name ?? 'free') : 'pro');
  if (!plans.some((p) => p.name === defaultPlan)) throw new ConfigError(`defaultPlan ${defaultPlan} is not one of the plans`);
  const serviceAccountScope = file.requireScopeFor?.serviceAccounts ?? 'service_accounts:manage';
  if (!catalogue.some((s) => s.scope === serviceAccountScope)) throw new ConfigError(`requireScopeFor.serviceAccounts: ${serviceAccountScope} is not in the scope catalogue`);

  return {
    dataDir,
    databaseUrl,
    tokenPrefix,
    catalogue,
    apiScopes: apiScopeSet,
    roles,
    plans,
    defaultPlan,
    bodyLimit: file.bodyLimit ?? 64 * 1024,
    sessionTtlSeconds: file.sessionTtlSeconds ?? 12 * 3600,
    inviteTtlSeconds: 7 * 86_400,
    lastUseFlushMs: file.lastUseFlushMs ?? 1000,
    tokenCache: { ...DEFAULT_TOKEN_CACHE, ...file.tokenCache },
    passwordCost: options.overrides?.passwordCost ?? 16_384,
    cookieSecure: options.overrides?.cookieSecure ?? env.LATCHKEY_COOKIE_SECURE === 'true',
    trustProxy: options.overrides?.trustProxy ?? env.LATCHKEY_TRUST_PROXY === 'true',
    configFile,
    preset: presetName,
    vocabulary: { ...DEFAULT_VOCABULARY, ...file.words },
    tokenDisplayPrefixLength: file.tokenDisplayPrefixLength ?? null,
    personalTokens: {
      maxPerUser: file.personalTokens?.maxPerUser ?? null,
      rollable: file.personalTokens?.rollable ?? true,
      requireScopes: file.personalTokens?.requireScopes ?? false,
    },
    tokenExpiry: { choices: file.tokenExpiry?.choices ?? null, required: file.tokenExpiry?.required ?? false },
    serviceAccounts: { snapshotScopesAtIssuance: file.serviceAccounts?.snapshotScopesAtIssuance ?? false },
    requireScopeFor: { serviceAccounts: serviceAccountScope },
    auth: { distinguishTokenFailures: file.auth?.distinguishTokenFailures ?? true },
    audit: {
      actionNames: file.audit?.actionNames ?? {},
      recordDenied: file.audit?.recordDenied ?? false,
      usesCarryRequestIds: file.audit?.usesCarryRequestIds ?? false,
    },
  };
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
