// A token's use over time, for the dashboard's chart: uses per UTC day (zeros
// included) and the last five distinct IPs, from the counters the batched
// last-use flush keeps (nothing is written on the verification path).
import type { Ctx, Deps } from '../deps.js';
import { getOrgToken } from './admin.js';
import { getPersonalToken } from './service.js';

export interface TokenUsage {
  data: { date: string; count: number }[];
  /** The last five distinct IPs, most recent first. */
  lastIps: string[];
}

export const MAX_USAGE_DAYS = 90;
const DAY_MS = 86_400_000;

/** One of the caller's own personal tokens: the same check as reading it. */
export async function personalTokenUsage(deps: Deps, ctx: Ctx, id: string, days: number): Promise<TokenUsage> {
  await getPersonalToken(deps, ctx, id);
  return usageOf(deps, id, days);
}

/** Any token in the org: the same check as reading it through /v1/tokens. */
export async function orgTokenUsage(deps: Deps, ctx: Ctx, id: string, days: number): Promise<TokenUsage> {
  await getOrgToken(deps, ctx, id);
  return usageOf(deps, id, days);
}

/** The last `days` UTC days, oldest first, ending today. */
export function usageDays(now: Date, days: number): string[] {
  const today = Math.floor(now.getTime() / DAY_MS);
  return Array.from({ length: days }, (_, i) => new Date((today - days + 1 + i) * DAY_MS).toISOString().slice(0, 10));
}

async function usageOf(deps: Deps, tokenId: string, days: number): Promise<TokenUsage> {
  const dates = usageDays(deps.clock.now(), days);
  const rows = await deps.db
    .selectFrom('token_usage_daily')
    .select(['day', 'count'])
    .where('token_id', '=', tokenId)
    .where('day', '>=', dates[0] as string)
    .execute();
  const counts = new Map(rows.map((row) => [row.day, Number(row.count)]));
  const ips = await deps.db
    .selectFrom('token_usage_ips')
    .select('ip')
    .where('token_id', '=', tokenId)
    .orderBy('last_at', 'desc')
    .orderBy('ip')
    .limit(5)
    .execute();
  return {
    data: dates.map((date) => ({ date, count: counts.get(date) ?? 0 })),
    lastIps: ips.map((row) => row.ip),
  };
}
