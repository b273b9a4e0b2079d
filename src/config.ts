// One typed Config, parsed once from the environment and an optional JSON file,
// then passed explicitly to everything that needs it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_ROLES,
  MANAGEMENT_SCOPES,
  resolveRoles,
  SCOPE_PATTERN,
  type RoleDefinition,
  type RoleSpec,
  type ScopeDefinition,
} from './permissions/catalogue.js';

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
  accessLog: AccessLogOptions;
  /** scrypt cost parameter N for passwords. */
  passwordCost: number;
  cookieSecure: boolean;
  trustProxy: boolean;
  /** Where the config was read from, if anywhere. */
  configFile: string | null;
}

export const DEFAULT_PLANS: PlanDefinition[] = [
  { name: 'free', seatLimit: 5, features: { auditLog: false } },
  { name: 'pro', seatLimit: 50, features: { auditLog: true } },
  { name: 'apex', seatLimit: 1000, features: { auditLog: true } },
];

interface FileConfig {
  tokenPrefix?: string;
  scopes?: ScopeDefinition[];
  roles?: RoleSpec[];
  plans?: PlanDefinition[];
  defaultPlan?: string;
  bodyLimit?: number;
  sessionTtlSeconds?: number;
  lastUseFlushMs?: number;
  tokenCache?: Partial<TokenCacheOptions>;
  accessLog?: Partial<AccessLogOptions>;
}

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
  return parsed as FileConfig;
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
  overrides?: Partial<FileConfig> & Partial<Pick<Config, 'passwordCost' | 'cookieSecure' | 'trustProxy'>>;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = env.LATCHKEY_CONFIG;
  const candidate = explicit ? path.resolve(cwd, explicit) : path.join(cwd, 'latchkey.config.json');
  if (explicit && !existsSync(candidate)) throw new ConfigError(`LATCHKEY_CONFIG points at ${candidate}, which does not exist`);
  const configFile = existsSync(candidate) ? candidate : null;
  const file: FileConfig = { ...(configFile ? readFileConfig(configFile) : {}), ...options.overrides };

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
  const catalogue = [
    ...MANAGEMENT_SCOPES,
    ...apiScopes.map((s) => ({ scope: s.scope, category: s.category ?? 'API', description: s.description ?? '' })),
  ];
  const apiScopeSet = new Set(apiScopes.map((s) => s.scope));
  const roles = resolveRoles(file.roles ?? DEFAULT_ROLES, catalogue, apiScopeSet);
  if (!roles.some((r) => r.name === 'owner')) throw new ConfigError('roles must include owner');

  const plans = file.plans ?? DEFAULT_PLANS;
  const defaultPlan = file.defaultPlan ?? (file.plans ? (plans[0]?.name ?? 'free') : 'pro');

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
    accessLog: accessLogOptions(file.accessLog, env),
    passwordCost: options.overrides?.passwordCost ?? 16_384,
    cookieSecure: options.overrides?.cookieSecure ?? env.LATCHKEY_COOKIE_SECURE === 'true',
    trustProxy: options.overrides?.trustProxy ?? env.LATCHKEY_TRUST_PROXY === 'true',
    configFile,
  };
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
