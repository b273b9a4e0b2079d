// Command-line values turned into API fields: expiries, grace periods, times.
// Each returns null for a value it does not understand, and the command says so
// as a usage error.
import type { ExpiryFields } from './api.js';

const PRESETS = new Set(['7d', '30d', '60d', '90d', '1y']);
const DAY_MS = 86_400_000;

/** `30d` / `1y` (the server's presets), `45d` (any number of days), `2027-01-31` or an ISO time, `never`. */
export function parseExpires(value: string, now: Date = new Date()): ExpiryFields | null {
  const text = value.trim().toLowerCase();
  if (text === 'never' || text === 'none') return { expiresIn: null };
  if (PRESETS.has(text)) return { expiresIn: text as ExpiryFields['expiresIn'] };
  const days = /^(\d{1,5})d$/.exec(text);
  if (days) return Number(days[1]) > 0 ? { expiresAt: new Date(now.getTime() + Number(days[1]) * DAY_MS).toISOString() } : null;
  if (/^\d{4}-\d{2}-\d{2}([t ][\d:.]+(z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : value);
    return Number.isNaN(at.getTime()) ? null : { expiresAt: at.toISOString() };
  }
  return null;
}

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `60`, `60s`, `5m`, `1h` → seconds. */
export function parseDuration(value: string): number | null {
  const match = /^(\d{1,6})([smh]?)$/.exec(value.trim().toLowerCase());
  if (!match) return null;
  return Number(match[1]) * SECONDS[match[2] || 's']!;
}

/** An ISO time, a date, or a span back from now (`15m`, `2h`, `7d`) → ISO. */
export function parseSince(value: string, now: Date = new Date()): string | null {
  const span = /^(\d{1,6})([mhd])$/.exec(value.trim());
  if (span) {
    const unit = { m: 60_000, h: 3_600_000, d: DAY_MS }[span[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(span[1]) * unit).toISOString();
  }
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}
