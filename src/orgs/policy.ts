// An org's token policy and the expiry rules it imposes at mint time.
import { AppError } from '../errors.js';
import { DAY_MS } from '../clock.js';

export interface OrgPolicy {
  maxPersonalTokensPerUser: number | null;
  requireExpiry: boolean;
  maxLifetimeDays: number | null;
  /** New personal tokens wait for an admin's approval before they may act (GitHub's fine-grained token policy). */
  requireApproval: boolean;
  /** Tokens unused this many days are revoked by the sweep with reason `unused` (null = never). */
  revokeUnusedAfterDays: number | null;
}

export const DEFAULT_POLICY: OrgPolicy = { maxPersonalTokensPerUser: null, requireExpiry: false, maxLifetimeDays: null, requireApproval: false, revokeUnusedAfterDays: null };

export function parsePolicy(json: string): OrgPolicy {
  return { ...DEFAULT_POLICY, ...(JSON.parse(json) as Partial<OrgPolicy>) };
}

export const EXPIRY_PRESETS = { '7d': 7, '30d': 30, '60d': 60, '90d': 90, '1y': 365 } as const;
export type ExpiryPreset = keyof typeof EXPIRY_PRESETS;

/** Deployment-wide expiry rules (config `tokenExpiry`): the choices offered, and whether a mint must state one. */
export interface ExpiryRules {
  choices: readonly ('never' | 'custom' | ExpiryPreset)[] | null;
  required: boolean;
}

function assertExpiryChoice(input: ExpiryInput, rules: ExpiryRules, omitted: boolean): void {
  const offered = rules.choices;
  const list = offered?.join(', ') ?? '';
  if (rules.required && omitted) {
    throw new AppError('expiry_required', `State the expiry: expiresIn (${list || 'a preset'}), expiresAt, or null for never`, {
      errors: [{ field: 'expiresIn', message: 'required' }],
    });
  }
  if (offered === null) return;
  if (input.expiresIn != null && !offered.includes(input.expiresIn)) {
    throw new AppError('invalid_expiry', `expiresIn must be one of the offered expiries: ${list}`, { errors: [{ field: 'expiresIn', message: `one of ${list}` }] });
  }
  if (input.expiresAt != null && !offered.includes('custom')) {
    throw new AppError('invalid_expiry', `A custom expiry date is not offered; choose one of ${list}`, { errors: [{ field: 'expiresAt', message: 'not offered' }] });
  }
  const never = input.expiresIn === null || input.expiresAt === null;
  if (never && !offered.includes('never')) {
    throw new AppError('expiry_required', `Tokens must expire; choose one of ${list}`, { errors: [{ field: 'expiresIn', message: `one of ${list}` }] });
  }
}

export interface ExpiryInput {
  expiresIn?: ExpiryPreset | null | undefined;
  expiresAt?: string | null | undefined;
}

/**
 * The expiry a new token gets: from `expiresIn` or `expiresAt` (or none), checked
 * against the org policy and, when a token mints a token, against the parent's
 * own expiry (a child never outlives its parent; omitted expiry inherits it).
 */
export function resolveExpiry(
  input: ExpiryInput,
  policy: OrgPolicy,
  now: Date,
  parentExpiresAt: string | null,
  rules: ExpiryRules = { choices: null, required: false },
): string | null {
  if (input.expiresIn != null && input.expiresAt != null) {
    throw new AppError('invalid_expiry', 'Give expiresIn or expiresAt, not both', {
      errors: [{ field: 'expiresAt', message: 'conflicts with expiresIn' }],
    });
  }
  const omitted = input.expiresIn === undefined && input.expiresAt === undefined;
  assertExpiryChoice(input, rules, omitted);
  let expiresAt: string | null = null;
  if (input.expiresIn != null) {
    expiresAt = new Date(now.getTime() + EXPIRY_PRESETS[input.expiresIn] * DAY_MS).toISOString();
  } else if (input.expiresAt != null) {
    const at = new Date(input.expiresAt);
    if (Number.isNaN(at.getTime())) {
      throw new AppError('invalid_expiry', 'expiresAt is not a date', { errors: [{ field: 'expiresAt', message: 'must be an ISO 8601 date-time' }] });
    }
    if (at.getTime() <= now.getTime()) {
      throw new AppError('invalid_expiry', 'expiresAt must be in the future', { errors: [{ field: 'expiresAt', message: 'must be in the future' }] });
    }
    expiresAt = at.toISOString();
  }
  if (expiresAt === null && omitted && parentExpiresAt !== null) expiresAt = parentExpiresAt;

  if (expiresAt === null && (policy.requireExpiry || policy.maxLifetimeDays !== null)) {
    throw new AppError('expiry_required', 'This organization requires tokens to expire', {
      errors: [{ field: 'expiresAt', message: 'required by policy' }],
    });
  }
  if (expiresAt !== null && policy.maxLifetimeDays !== null) {
    const limit = now.getTime() + policy.maxLifetimeDays * DAY_MS;
    if (new Date(expiresAt).getTime() > limit) {
      throw new AppError('lifetime_exceeded', `Tokens in this organization may live at most ${policy.maxLifetimeDays} days`, {
        errors: [{ field: 'expiresAt', message: `at most ${policy.maxLifetimeDays} days from now` }],
      });
    }
  }
  if (parentExpiresAt !== null && (expiresAt === null || expiresAt > parentExpiresAt)) {
    throw new AppError('expiry_exceeds_parent', `A token minted by a token cannot outlive it (the minting token expires at ${parentExpiresAt})`, {
      errors: [{ field: 'expiresAt', message: `at most ${parentExpiresAt}` }],
    });
  }
  return expiresAt;
}
