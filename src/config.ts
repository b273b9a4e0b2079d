// One typed Config, parsed once from the environment and an optional JSON file,
// then passed explicitly to everything that needs it.
import { existsSync, readFileSync } from 'node:fs';
import { createPublicKey, type KeyObject } from 'node:crypto';
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
import { DEFAULT_THROTTLES, type RateSetting, type ThrottleOptions } from './throttling/throttles.js';
import { parseCidr } from './tokens/limits.js';

/** The verification cache (tokens/cache.ts). */
export interface TokenCacheOptions {
  /**
   * Backstop: how long a cached verification may be served without a re-read; 0
   * turns the cache off. Changes are pushed (change(), NOTIFY, SQLite's
   * data_version), so this only bounds what bypassed all three.
   */
  ttlMs: number;
  /** How long "no such token" is remembered. */
  negativeTtlMs: number;
  /** Bound on entries (the least recently used go first), for each of the positive and negative caches. */
  maxEntries: number;
  /** SQLite: how often (ms) to look for commits by other processes (PRAGMA data_version). */
  externalCheckMs: number;
}

export const DEFAULT_TOKEN_CACHE: TokenCacheOptions = { ttlMs: 300_000, negativeTtlMs: 2_000, maxEntries: 100_000, externalCheckMs: 5 };

/** The one access-log line per request (http/access-log.ts). */
export interface AccessLogOptions {
  /** Share of ordinary requests logged: 1 all (default), 0 none, 0.01 one in a hundred. */
  sampleRate: number;
  /** Requests slower than this are always logged, as warnings. */
  slowMs: number;
}

export const DEFAULT_ACCESS_LOG: AccessLogOptions = { sampleRate: 1, slowMs: 1000 };

/** Webhook delivery (webhooks/delivery.ts). */
export interface WebhookOptions {
  /** Deliver to loopback, private and link-local addresses (refused by default: SSRF). */
  allowPrivateNetworks: boolean;
  /** How long one attempt may take, connection to last byte. */
  timeoutMs: number;
  /** The first retry's delay; each further failure doubles it, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** An endpoint failing this long without a success is disabled (and that is recorded). */
  disableAfterMs: number;
  /** How often a node looks for due deliveries; 0 = never on its own (tests drive it). */
  pollIntervalMs: number;
}

export const DEFAULT_WEBHOOKS: WebhookOptions = {
  allowPrivateNetworks: false,
  timeoutMs: 10_000,
  retryBaseMs: 30_000,
  retryMaxMs: 3_600_000,
  disableAfterMs: 86_400_000,
  pollIntervalMs: 1_000,
};
/** The verifiers' push channel, GET /v1/verify/events (tokens/verify-events.ts). */
export interface VerifyEventsOptions {
  /** How often an idle stream gets a heartbeat, so both ends notice a dead connection. */
  heartbeatMs: number;
  /** A stream whose unsent output grows past this is closed (its verifier reconnects and starts afresh). */
  maxBufferedBytes: number;
}

export const DEFAULT_VERIFY_EVENTS: VerifyEventsOptions = { heartbeatMs: 15_000, maxBufferedBytes: 64 * 1024 };

export interface PlanDefinition {
  name: string;
  seatLimit: number | null;
  features: { auditLog: boolean };
}

/** A secret-scanning partner's signing key (GitHub publishes its keys with ids). */
export interface ScannerKey {
  id: string;
  key: KeyObject;
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
  verifyEvents: VerifyEventsOptions;
  accessLog: AccessLogOptions;
  /** scrypt cost parameter N for passwords. */
  passwordCost: number;
  cookieSecure: boolean;
  /**
   * Proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed; empty
   * (the default) believes no one, so a client cannot choose the IP it is seen from.
   */
  trustProxy: string[];
  throttles: ThrottleOptions;
  /** Keys that sign secret-scanning reports (POST /v1/secret-scanning/verify-and-revoke). */
  secretScanning: { publicKeys: ScannerKey[] };
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken: string | null;
  webhooks: WebhookOptions;
  /** Seconds between expiry-warning / unused-token sweeps (LATCHKEY_SWEEP_INTERVAL); 0 = no sweeps. */
  sweepIntervalSeconds: number;
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

/** LATCHKEY_ACCESS_LOG: `on`, `off`, or a sampling ratio between 0 and 1. */
function parseSampleRate(value: string): number {
  if (value === 'on') return 1;
  if (value === 'off') return 0;
  const ratio = Number(value);
  if (value.trim() === '' || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new ConfigError(`LATCHKEY_ACCESS_LOG must be on, off or a ratio between 0 and 1 (got ${JSON.stringify(value)})`);
  }
  return ratio;
}

function accessLogOptions(file: Partial<AccessLogOptions> | undefined, env: NodeJS.ProcessEnv): AccessLogOptions {
  const options = { ...DEFAULT_ACCESS_LOG, ...file };
  if (env.LATCHKEY_ACCESS_LOG !== undefined) options.sampleRate = parseSampleRate(env.LATCHKEY_ACCESS_LOG);
  if (env.LATCHKEY_SLOW_REQUEST_MS !== undefined) options.slowMs = Number(env.LATCHKEY_SLOW_REQUEST_MS);
  if (!(options.sampleRate >= 0 && options.sampleRate <= 1)) throw new ConfigError('accessLog.sampleRate must be between 0 and 1');
  if (!(options.slowMs >= 0)) throw new ConfigError('accessLog.slowMs (LATCHKEY_SLOW_REQUEST_MS) must be a number of milliseconds ≥ 0');
  return options;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  dataDir?: string;
  databaseUrl?: string;
  /** Values that win over the file and the environment (tests use this). */
  overrides?: Partial<FileConfig> & Partial<Pick<Config, 'passwordCost' | 'cookieSecure' | 'metricsToken'>>;
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

  const webhooks: WebhookOptions = { ...DEFAULT_WEBHOOKS, ...file.webhooks };
  if (env.LATCHKEY_WEBHOOKS_ALLOW_PRIVATE === '1' || env.LATCHKEY_WEBHOOKS_ALLOW_PRIVATE === 'true') webhooks.allowPrivateNetworks = true;
  const sweepIntervalSeconds = file.sweepIntervalSeconds ?? (env.LATCHKEY_SWEEP_INTERVAL !== undefined ? Number(env.LATCHKEY_SWEEP_INTERVAL) : 3600);
  if (!Number.isFinite(sweepIntervalSeconds) || sweepIntervalSeconds < 0) throw new ConfigError('LATCHKEY_SWEEP_INTERVAL must be a number of seconds (0 turns the sweep off)');

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
    verifyEvents: { ...DEFAULT_VERIFY_EVENTS, ...file.verifyEvents },
    accessLog: accessLogOptions(file.accessLog, env),
    passwordCost: options.overrides?.passwordCost ?? 16_384,
    cookieSecure: options.overrides?.cookieSecure ?? env.LATCHKEY_COOKIE_SECURE === 'true',
    trustProxy: trustedProxies(file.trustProxy ?? env.LATCHKEY_TRUST_PROXY?.split(',').filter((p) => p.trim() !== '') ?? []),
    throttles: throttleOptions(file.throttles ?? {}),
    secretScanning: { publicKeys: scannerKeys(file.secretScanning?.publicKeys ?? []) },
    metricsToken: options.overrides?.metricsToken ?? (env.LATCHKEY_METRICS_TOKEN || null),
    webhooks,
    sweepIntervalSeconds,
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

function trustedProxies(entries: unknown): string[] {
  if (!Array.isArray(entries)) throw new ConfigError('trustProxy must be a list of proxy addresses or CIDR ranges');
  return entries.map((entry) => {
    const text = typeof entry === 'string' ? entry.trim() : '';
    if (parseCidr(text) === null) {
      throw new ConfigError(`trustProxy: ${JSON.stringify(entry)} is not an IP address or CIDR range (list the proxies whose X-Forwarded-For to believe)`);
    }
    return text;
  });
}

function throttleOptions(given: Partial<ThrottleOptions>): ThrottleOptions {
  const options = { ...DEFAULT_THROTTLES, ...given };
  const positive = (value: unknown) => Number.isInteger(value) && (value as number) > 0;
  for (const [name, value] of Object.entries(options)) {
    const ok = name === 'maxKeys' ? positive(value) : positive((value as RateSetting)?.limit) && positive((value as RateSetting)?.windowSeconds);
    if (!ok) throw new ConfigError(`throttles.${name} must be ${name === 'maxKeys' ? 'a positive integer' : '{ limit, windowSeconds } with positive integers'}`);
  }
  return options;
}

function scannerKeys(entries: unknown): ScannerKey[] {
  if (!Array.isArray(entries)) throw new ConfigError('secretScanning.publicKeys must be a list of { id, pem }');
  return entries.map((entry: { id?: unknown; pem?: unknown }) => {
    if (typeof entry?.id !== 'string' || entry.id === '' || typeof entry.pem !== 'string') {
      throw new ConfigError('secretScanning.publicKeys entries need an id and a pem');
    }
    let key: KeyObject;
    try {
      key = createPublicKey(entry.pem);
    } catch (error) {
      throw new ConfigError(`secretScanning key ${entry.id}: not a PEM public key (${(error as Error).message})`);
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new ConfigError(`secretScanning key ${entry.id}: must be an ECDSA P-256 public key`);
    }
    return { id: entry.id, key };
  });
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
