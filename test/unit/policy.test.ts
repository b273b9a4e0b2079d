import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicy, resolveExpiry, type OrgPolicy } from '../../src/orgs/policy.js';
import { AppError } from '../../src/errors.js';
import { DAY_MS } from '../../src/clock.js';

const now = new Date('2030-01-01T00:00:00.000Z');
const days = (n: number) => new Date(now.getTime() + n * DAY_MS).toISOString();
const open: OrgPolicy = DEFAULT_POLICY;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'ok';
}

describe('parsePolicy', () => {
  it('fills missing fields with the defaults', () => {
    expect(parsePolicy('{}')).toEqual(DEFAULT_POLICY);
    expect(parsePolicy('{"requireExpiry":true}')).toEqual({ ...DEFAULT_POLICY, requireExpiry: true });
    expect(DEFAULT_POLICY).toEqual({ maxPersonalTokensPerUser: null, requireExpiry: false, maxLifetimeDays: null, requireApproval: false, revokeUnusedAfterDays: null });
  });
});

describe('resolveExpiry', () => {
  it('turns the presets into days from now', () => {
    expect(resolveExpiry({ expiresIn: '30d' }, open, now, null)).toBe(days(30));
    expect(resolveExpiry({ expiresIn: '90d' }, open, now, null)).toBe(days(90));
    expect(resolveExpiry({ expiresIn: '1y' }, open, now, null)).toBe(days(365));
  });

  it('takes an explicit expiresAt, normalised to UTC', () => {
    expect(resolveExpiry({ expiresAt: '2030-02-01T02:00:00+02:00' }, open, now, null)).toBe('2030-02-01T00:00:00.000Z');
  });

  it('never expires when omitted or null, if the policy allows', () => {
    expect(resolveExpiry({}, open, now, null)).toBeNull();
    expect(resolveExpiry({ expiresIn: null }, open, now, null)).toBeNull();
    expect(resolveExpiry({ expiresAt: null }, open, now, null)).toBeNull();
  });

  it('refuses both at once, a past or present expiresAt, and a non-date', () => {
    expect(codeOf(() => resolveExpiry({ expiresIn: '30d', expiresAt: days(1) }, open, now, null))).toBe('invalid_expiry');
    expect(codeOf(() => resolveExpiry({ expiresAt: days(-1) }, open, now, null))).toBe('invalid_expiry');
    expect(codeOf(() => resolveExpiry({ expiresAt: now.toISOString() }, open, now, null))).toBe('invalid_expiry');
    expect(codeOf(() => resolveExpiry({ expiresAt: 'soon' }, open, now, null))).toBe('invalid_expiry');
  });

  it('requireExpiry refuses a token that never expires', () => {
    const policy = { ...open, requireExpiry: true };
    expect(codeOf(() => resolveExpiry({}, policy, now, null))).toBe('expiry_required');
    expect(codeOf(() => resolveExpiry({ expiresIn: null }, policy, now, null))).toBe('expiry_required');
    expect(resolveExpiry({ expiresIn: '30d' }, policy, now, null)).toBe(days(30));
  });

  it('maxLifetimeDays caps the lifetime (and so needs an expiry)', () => {
    const policy = { ...open, maxLifetimeDays: 90 };
    expect(resolveExpiry({ expiresIn: '90d' }, policy, now, null)).toBe(days(90));
    expect(resolveExpiry({ expiresAt: days(90) }, policy, now, null)).toBe(days(90));
    expect(codeOf(() => resolveExpiry({ expiresIn: '1y' }, policy, now, null))).toBe('lifetime_exceeded');
    expect(codeOf(() => resolveExpiry({ expiresAt: new Date(now.getTime() + 90 * DAY_MS + 1000).toISOString() }, policy, now, null))).toBe('lifetime_exceeded');
    expect(codeOf(() => resolveExpiry({}, policy, now, null))).toBe('expiry_required');
  });

  it('a token minted by a token never outlives it, and inherits its expiry when none is given', () => {
    const parent = days(30);
    expect(resolveExpiry({}, open, now, parent)).toBe(parent);
    expect(resolveExpiry({ expiresIn: '7d' }, open, now, parent)).toBe(days(7));
    expect(resolveExpiry({ expiresAt: parent }, open, now, parent)).toBe(parent);
    expect(codeOf(() => resolveExpiry({ expiresIn: '90d' }, open, now, parent))).toBe('expiry_exceeds_parent');
    expect(codeOf(() => resolveExpiry({ expiresIn: null }, open, now, parent))).toBe('expiry_exceeds_parent');
    expect(codeOf(() => resolveExpiry({ expiresAt: days(31) }, open, now, parent))).toBe('expiry_exceeds_parent');
  });

  it('errors name the field', () => {
    try {
      resolveExpiry({ expiresIn: '1y' }, { ...open, maxLifetimeDays: 30 }, now, null);
      expect.unreachable();
    } catch (error) {
      expect((error as AppError).status).toBe(400);
      expect((error as AppError).errors?.[0]?.field).toBe('expiresAt');
    }
  });
});
