// The Expiration choices of the token forms, and what each sends to the API.

export type ExpiryChoice = 'never' | '7d' | '30d' | '90d' | '1y' | 'custom';

export const EXPIRY_PRESETS: { value: ExpiryChoice; label: string }[] = [
  { value: 'never', label: 'Never' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: '1y', label: '1 year' },
  { value: 'custom', label: 'Custom' },
];

export type ExpiryBody = { expiresIn: '7d' | '30d' | '90d' | '1y' | null } | { expiresAt: string };

/**
 * The request fields for a choice, or a message saying what is wrong. A custom
 * date (YYYY-MM-DD) means the end of that day in UTC and must be in the future.
 */
export function expiryBody(choice: ExpiryChoice, customDate: string, now: Date = new Date()): { ok: true; body: ExpiryBody } | { ok: false; message: string } {
  if (choice === 'never') return { ok: true, body: { expiresIn: null } };
  if (choice !== 'custom') return { ok: true, body: { expiresIn: choice } };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(customDate)) return { ok: false, message: 'Pick the date the token should expire on' };
  const end = new Date(`${customDate}T23:59:59.000Z`);
  if (Number.isNaN(end.getTime())) return { ok: false, message: 'That is not a date' };
  if (end.getTime() <= now.getTime()) return { ok: false, message: 'The expiry date must be in the future' };
  return { ok: true, body: { expiresAt: end.toISOString() } };
}

/** Which choices the org's policy allows (a required expiry rules out Never; a lifetime cap rules out longer presets). */
export function allowedChoices(policy: { requireExpiry: boolean; maxLifetimeDays: number | null } | undefined): Set<ExpiryChoice> {
  const days: Record<ExpiryChoice, number> = { never: Infinity, '7d': 7, '30d': 30, '90d': 90, '1y': 365, custom: 0 };
  const allowed = new Set<ExpiryChoice>();
  for (const { value } of EXPIRY_PRESETS) {
    if (value === 'never' && policy?.requireExpiry) continue;
    if (policy?.maxLifetimeDays != null && days[value] > policy.maxLifetimeDays) continue;
    allowed.add(value);
  }
  return allowed;
}
