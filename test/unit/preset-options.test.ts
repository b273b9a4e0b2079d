// The general options presets are made of, unit by unit: display prefix length,
// audit action names, expiry choices, and how config layers merge.
import { describe, expect, it } from 'vitest';
import { auditAction } from '../../src/audit/record.js';
import { layerConfigs } from '../../src/config.js';
import { resolveExpiry, DEFAULT_POLICY } from '../../src/orgs/policy.js';
import { displayPrefix, generateToken } from '../../src/tokens/format.js';
import { AppError } from '../../src/errors.js';

const now = new Date('2030-01-01T00:00:00.000Z');
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as AppError).code;
  }
  return 'ok';
};

describe('tokenDisplayPrefixLength', () => {
  it('cuts the display prefix at that many characters, never into the last 32 body characters', () => {
    const token = generateToken('lk', 'pat');
    expect(displayPrefix(token, 10)).toBe(token.slice(0, 10));
    expect(displayPrefix(token, 24)).toBe(token.slice(0, 'lk_pat_'.length + 4));
    expect(displayPrefix(token)).toBe(token.slice(0, 'lk_pat_'.length + 4));
  });
});

describe('audit.actionNames', () => {
  const config = { audit: { actionNames: { 'token.minted:personal': 'account.pat.mint', 'token.revoked': 'key.revoke' }, recordDenied: false, usesCarryRequestIds: false } };
  it('renames per token kind first, then for every kind, else keeps the name', () => {
    expect(auditAction(config, 'token.minted', 'personal')).toBe('account.pat.mint');
    expect(auditAction(config, 'token.minted', 'service')).toBe('token.minted');
    expect(auditAction(config, 'token.revoked', 'service')).toBe('key.revoke');
    expect(auditAction(config, 'team.created')).toBe('team.created');
  });
});

describe('tokenExpiry', () => {
  const rules = { choices: ['never', '30d', 'custom'] as const, required: true };
  const at = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();
  it('takes only the offered choices, and requires one to be stated', () => {
    expect(resolveExpiry({ expiresIn: '30d' }, DEFAULT_POLICY, now, null, rules)).toBe(at(30));
    expect(resolveExpiry({ expiresIn: null }, DEFAULT_POLICY, now, null, rules)).toBeNull();
    expect(resolveExpiry({ expiresAt: at(3) }, DEFAULT_POLICY, now, null, rules)).toBe(at(3));
    expect(codeOf(() => resolveExpiry({ expiresIn: '7d' }, DEFAULT_POLICY, now, null, rules))).toBe('invalid_expiry');
    expect(codeOf(() => resolveExpiry({}, DEFAULT_POLICY, now, null, rules))).toBe('expiry_required');
    expect(codeOf(() => resolveExpiry({ expiresAt: at(3) }, DEFAULT_POLICY, now, null, { choices: ['30d'], required: false }))).toBe('invalid_expiry');
    expect(codeOf(() => resolveExpiry({ expiresIn: null }, DEFAULT_POLICY, now, null, { choices: ['30d'], required: false }))).toBe('expiry_required');
    // Without rules, nothing changes.
    expect(resolveExpiry({}, DEFAULT_POLICY, now, null)).toBeNull();
  });
});

describe('layerConfigs', () => {
  it('later layers win key by key, one level down inside objects; undefined changes nothing', () => {
    expect(
      layerConfigs(
        { tokenPrefix: 'cpt', audit: { recordDenied: true, usesCarryRequestIds: true }, scopes: [{ scope: 'a:b' }] },
        { audit: { recordDenied: false }, scopes: [{ scope: 'c:d' }] },
        { tokenPrefix: undefined },
      ),
    ).toEqual({ tokenPrefix: 'cpt', audit: { recordDenied: false, usesCarryRequestIds: true }, scopes: [{ scope: 'c:d' }] });
  });
});
