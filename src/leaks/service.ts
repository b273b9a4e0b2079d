// Leak response (SPEC §10): public revocation of reported credentials, the
// secret-scanning partner endpoint, and reuse detection of rolled-away secrets.
// All act as the `system` actor; every revocation records its reason and, for a
// leak, `token.leaked` (with where it was found), in the same transaction.
import type { CallMeta, Deps } from '../deps.js';
import type { TokensTable } from '../db/schema.js';
import { change } from '../db/change.js';
import { SYSTEM_ACTOR } from '../audit/record.js';
import { parseToken } from '../tokens/format.js';
import { revokeWithCause, type RevocationReason } from '../tokens/revocation.js';

interface Found {
  token: TokensTable;
  /** Whether the presented secret works now (the current one, or a rolled one in its grace period). */
  works: boolean;
}

// Bound parameters per `in` list, well under SQLite's limit.
const CHUNK = 500;

/** The tokens behind presented secrets, by secret; anything not shaped like one of ours never reaches the database. */
async function findBySecrets(deps: Deps, secrets: string[]): Promise<Map<string, Found>> {
  const byHash = new Map<string, string>();
  for (const secret of new Set(secrets)) {
    const parsed = parseToken(secret, deps.config.tokenPrefix);
    if (parsed && parsed.kind !== 'inv') byHash.set(deps.hasher.hash(secret), secret);
  }
  const found = new Map<string, Found>();
  const hashes = [...byHash.keys()];
  const now = deps.clock.now().toISOString();
  for (let i = 0; i < hashes.length; i += CHUNK) {
    const rows = await deps.db
      .selectFrom('token_secrets as s')
      .innerJoin('tokens as t', 't.id', 's.token_id')
      .selectAll('t')
      .select(['s.hash as secret_hash', 's.retired_at as secret_retired_at', 's.valid_until as secret_valid_until'])
      .where('s.hash', 'in', hashes.slice(i, i + CHUNK))
      .execute();
    for (const { secret_hash: hash, secret_retired_at: retiredAt, secret_valid_until: validUntil, ...token } of rows) {
      const works = token.revoked_at === null && (retiredAt === null || (validUntil !== null && validUntil > now)) && (token.expires_at === null || token.expires_at > now);
      found.set(byHash.get(hash) as string, { token, works });
    }
  }
  return found;
}

/** Revokes working tokens found in a leak, one transaction per org, recording token.leaked before each token.revoked. */
async function revokeLeaked(deps: Deps, meta: CallMeta, leaks: { token: TokensTable; url: string | null; source: string }[], reason: RevocationReason): Promise<void> {
  const byOrg = new Map<string, typeof leaks>();
  for (const leak of leaks) byOrg.set(leak.token.org_id, [...(byOrg.get(leak.token.org_id) ?? []), leak]);
  for (const [orgId, orgLeaks] of byOrg) {
    const now = deps.clock.now();
    await change(deps, orgId, async (trx) => {
      for (const { token, url, source } of orgLeaks) {
        await revokeWithCause(trx, deps, now, token, {
          reason,
          actor: SYSTEM_ACTOR,
          meta,
          before: [{ action: 'token.leaked', targetType: 'token', targetId: token.id, metadata: { name: token.name, prefix: token.prefix, kind: token.kind, url, source } }],
        });
      }
    });
  }
}

export const MAX_REPORTED = 1000;

/**
 * POST /v1/credentials/revoke: anyone may report secrets they found; the real,
 * working ones are revoked (reason `reported`). The caller learns nothing about
 * which were real.
 */
export async function reportCredentials(deps: Deps, meta: CallMeta, credentials: string[]): Promise<void> {
  const found = await findBySecrets(deps, credentials);
  const leaks = [...found.values()].filter((f) => f.works).map((f) => ({ token: f.token, url: null, source: 'public_report' }));
  await revokeLeaked(deps, meta, leaks, 'reported');
}

export interface ScanReport {
  token: string;
  type: string;
  url?: string | undefined;
  source?: string | undefined;
}

export interface ScanVerdict {
  token_raw: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

/**
 * POST /v1/secret-scanning/verify-and-revoke (signature already checked): a
 * report is a true positive when it is a secret Latchkey issued (whatever its
 * state now); the ones that still work are revoked (reason `leaked`).
 */
export async function verifyAndRevoke(deps: Deps, meta: CallMeta, reports: ScanReport[]): Promise<ScanVerdict[]> {
  const found = await findBySecrets(deps, reports.map((r) => r.token));
  const leaks = new Map<string, { token: TokensTable; url: string | null; source: string }>();
  for (const report of reports) {
    const hit = found.get(report.token);
    if (hit?.works && !leaks.has(hit.token.id)) leaks.set(hit.token.id, { token: hit.token, url: report.url ?? null, source: report.source ?? 'secret_scanning' });
  }
  await revokeLeaked(deps, meta, [...leaks.values()], 'leaked');
  return reports.map((r) => ({ token_raw: r.token, token_type: r.type, label: found.has(r.token) ? 'true_positive' : 'false_positive' }));
}

/**
 * Reuse detection (GitLab): a rolled-away secret came back after its grace
 * period, so someone holds a copy they should not; the token (its live secret
 * too) and the tokens it minted are revoked, once.
 */
export async function revokeOnReuse(deps: Deps, token: TokensTable, meta: CallMeta): Promise<void> {
  if (token.revoked_at !== null) return;
  const now = deps.clock.now();
  await change(deps, token.org_id, (trx) =>
    revokeWithCause(trx, deps, now, token, {
      reason: 'reuse_detected',
      actor: SYSTEM_ACTOR,
      meta,
      before: [{ action: 'token.reuse_detected', targetType: 'token', targetId: token.id, metadata: { name: token.name, prefix: token.prefix, kind: token.kind } }],
    }),
  );
}
