// Every preset is plain configuration that the config schema accepts, loads into a
// working Config, and changes nothing for a deployment that names no preset.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_PLANS, DEFAULT_VOCABULARY, loadConfig } from '../../src/config.js';
import { configProblems } from '../../src/config-schema.js';
import { DEFAULT_ROLES, MANAGEMENT_SCOPES, resolveRoles } from '../../src/permissions/catalogue.js';
import { presetNames, readPreset } from '../../src/presets.js';
import { createTestApp, createTestOrg, request } from '../helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-presets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const load = (overrides: Parameters<typeof loadConfig>[0] = {}) => loadConfig({ env: {}, cwd: dir, dataDir: dir, ...overrides });

describe('presets', () => {
  it('are the four of SPEC §9, one file each', () => {
    expect(presetNames()).toEqual(['caputchin', 'causeloop', 'cmdop', 'org-roles']);
  });

  it.each(['caputchin', 'causeloop', 'cmdop', 'org-roles'])('%s validates against the latchkey.config.json schema and loads', (name) => {
    const preset = readPreset(name);
    expect(configProblems(preset)).toEqual([]);
    expect(preset.description).toBeTruthy();
    expect(preset.seeds?.length).toBeGreaterThan(0);
    const config = load({ overrides: { preset: name } });
    expect(config.preset).toBe(name);
    expect(config.roles.map((r) => r.name)).toContain('owner');
    // Every scope a role names exists in the catalogue.
    const catalogue = new Set(config.catalogue.map((s) => s.scope));
    for (const role of config.roles) for (const scope of role.scopes) expect(catalogue.has(scope)).toBe(true);
    // Every plan the config names as default exists.
    expect(config.plans.map((p) => p.name)).toContain(config.defaultPlan);
  });

  it('"preset" in latchkey.config.json loads it, and the file\'s own keys win over it', () => {
    const file = path.join(dir, 'latchkey.config.json');
    writeFileSync(file, JSON.stringify({ preset: 'caputchin', words: { team: 'squad' } }));
    try {
      const config = load();
      expect(config.tokenPrefix).toBe('cpt');
      expect(config.vocabulary.team).toBe('squad');
      expect(config.vocabulary.teams).toBe('troops');
    } finally {
      rmSync(file);
    }
  });

  it('refuses an unknown preset, and a config (or preset) with unknown keys, naming them', () => {
    expect(() => load({ overrides: { preset: 'nope' } })).toThrow(ConfigError);
    expect(() => load({ overrides: { preset: 'nope' } })).toThrow(/unknown preset "nope" \(one of caputchin, causeloop, cmdop, org-roles\)/);
    expect(configProblems({ personalTokens: { maxPerUsr: 1 } })).toEqual(['/personalTokens: unknown key "maxPerUsr"']);
    const file = path.join(dir, 'latchkey.config.json');
    writeFileSync(file, JSON.stringify({ tokenPrefx: 'x' }));
    try {
      expect(() => load()).toThrow(/unknown key "tokenPrefx"/);
    } finally {
      rmSync(file);
    }
  });

  it('a deployment without a preset keeps every default', () => {
    const config = load();
    expect(config.preset).toBeNull();
    expect(config.tokenPrefix).toBe('lk');
    expect(config.catalogue).toEqual(MANAGEMENT_SCOPES);
    expect(config.roles).toEqual(resolveRoles(DEFAULT_ROLES, MANAGEMENT_SCOPES, new Set()));
    expect(config.plans).toEqual(DEFAULT_PLANS);
    expect(config.defaultPlan).toBe('pro');
    expect(config.vocabulary).toEqual(DEFAULT_VOCABULARY);
    expect(config).toMatchObject({
      tokenDisplayPrefixLength: null,
      personalTokens: { maxPerUser: null, rollable: true, requireScopes: false },
      tokenExpiry: { choices: null, required: false },
      serviceAccounts: { snapshotScopesAtIssuance: false },
      requireScopeFor: { serviceAccounts: 'service_accounts:manage' },
      auth: { distinguishTokenFailures: true },
      audit: { actionNames: {}, recordDenied: false, usesCarryRequestIds: false },
    });
  });

  it('a default org shows the default words and no preset over HTTP', async () => {
    const t = await createTestApp();
    try {
      const org = await createTestOrg(t);
      const me = (await request(t, { method: 'GET', url: '/v1/me', token: org.token })).json();
      expect(me.preset).toBeNull();
      expect(me.vocabulary).toEqual(DEFAULT_VOCABULARY);
      expect(org.token).toMatch(/^lk_pat_/);
      const listed = (await request(t, { method: 'GET', url: '/v1/api-tokens', token: org.token })).json();
      expect(listed.data[0].prefix).toBe(org.token.slice(0, 'lk_pat_'.length + 4));
      const current = (await request(t, { method: 'GET', url: '/v1/org', token: org.token })).json();
      expect(current.vocabulary.teams).toBe('teams');
      expect(current.plans.map((p: { name: string }) => p.name)).toEqual(['free', 'pro', 'apex']);
    } finally {
      await t.close();
    }
  });
});
