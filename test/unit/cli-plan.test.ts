// The plan engine (a pure function of the file and the server's state) and the
// file loader's line numbers, without a server.
import { describe, expect, it } from 'vitest';
import { FileProblems, loadFile } from '../../src/cli/iac/load.js';
import { plan, summary, type OrgState, type TokenState } from '../../src/cli/iac/plan.js';

const DAY = 86_400_000;
const created = '2026-01-01T00:00:00.000Z';
const after = (days: number) => new Date(Date.parse(created) + days * DAY).toISOString();

function token(name: string, fields: Partial<TokenState> = {}): TokenState {
  return { id: `tok_${name}`, name, scopes: ['issues:read'], resources: null, role: null, expiresAt: after(90), createdAt: created, status: 'active', ...fields };
}

function state(fields: Partial<OrgState> = {}): OrgState {
  return { policy: { requireExpiry: false, maxLifetimeDays: null, maxPersonalTokensPerUser: null }, serviceAccounts: [], teams: [], orgTokens: [], ...fields };
}

const ops = (changes: ReturnType<typeof plan>) => changes.map((c) => `${c.op} ${c.address}`);

describe('plan', () => {
  it('creates what is missing, parents before children', () => {
    const changes = plan(
      { serviceAccounts: [{ name: 'deployer', scopes: ['issues:read'], tokens: [{ name: 'pipeline', expiresIn: '90d' }] }], teams: [{ name: 'platform', tokens: [{ name: 'ci', scopes: ['issues:read'] }] }] },
      state(),
      { prune: false },
    );
    expect(ops(changes)).toEqual(['+ serviceAccounts/deployer', '+ teams/platform', '+ serviceAccounts/deployer/pipeline', '+ teams/platform/ci']);
    expect(summary(changes)).toEqual({ add: 4, change: 0, destroy: 0 });
  });

  it('finds nothing to do when the state matches, with expiry compared as a lifetime', () => {
    const current = state({ serviceAccounts: [{ id: 'sa_1', name: 'deployer', scopes: ['issues:read'], resources: null, tokens: [token('pipeline')] }] });
    expect(plan({ serviceAccounts: [{ name: 'deployer', scopes: ['issues:read'], tokens: [{ name: 'pipeline', expiresIn: '90d' }] }] }, current, { prune: false })).toEqual([]);
    // No expiresIn in the file: the expiry is not managed.
    expect(plan({ serviceAccounts: [{ name: 'deployer', scopes: ['issues:read'], tokens: [{ name: 'pipeline' }] }] }, current, { prune: false })).toEqual([]);
  });

  it('replaces a token whose scopes, resources or expiry changed, or that expired; updates accounts and grants in place', () => {
    const current = state({
      serviceAccounts: [{ id: 'sa_1', name: 'deployer', scopes: ['issues:read'], resources: null, tokens: [token('a'), token('b'), token('c', { status: 'expired' }), token('d', { expiresAt: null })] }],
    });
    const changes = plan(
      {
        serviceAccounts: [
          {
            name: 'deployer',
            scopes: ['issues:read', 'issues:write'],
            tokens: [
              { name: 'a', scopes: ['issues:read'], expiresIn: '30d' },
              { name: 'b', scopes: ['issues:read'], resources: ['repo_1'] },
              { name: 'c', scopes: ['issues:read'] },
              { name: 'd', scopes: ['issues:read'], expiresIn: 'never' },
            ],
          },
        ],
      },
      current,
      { prune: false },
    );
    expect(changes.map((c) => `${c.op} ${c.address} ${'why' in c ? c.why : ''}`.trim())).toEqual([
      '~ serviceAccounts/deployer scopes issues:read → issues:read issues:write',
      '-/+ serviceAccounts/deployer/a expiry 90d → 30d',
      '-/+ serviceAccounts/deployer/b resources (none) → repo_1',
      '-/+ serviceAccounts/deployer/c expired',
    ]);
    expect(summary(changes)).toEqual({ add: 3, change: 1, destroy: 3 });
  });

  it('org tokens with a role compare the role; --prune removes only in the sections the file has, never the caller’s own token', () => {
    const current = state({
      orgTokens: [token('integration', { role: 'viewer', expiresAt: after(365) }), token('stale'), token('me')],
      teams: [{ id: 'team_1', name: 'old', members: [], tokens: [] }],
    });
    const spec = { orgTokens: [{ name: 'integration', role: 'member', expiresIn: '1y' as const }] };
    expect(ops(plan(spec, current, { prune: false }))).toEqual(['-/+ orgTokens/integration']);
    expect(ops(plan(spec, current, { prune: true, selfTokenId: 'tok_me' }))).toEqual(['-/+ orgTokens/integration', '- orgTokens/stale']);
    expect(ops(plan({ ...spec, teams: [] }, current, { prune: true, selfTokenId: 'tok_me' }))).toContain('- teams/old');
  });

  it('changes only the policy fields the file gives', () => {
    const changes = plan({ policy: { requireExpiry: true } }, state(), { prune: true });
    expect(changes).toMatchObject([{ op: '~', type: 'policy', patch: { requireExpiry: true }, why: 'requireExpiry false → true' }]);
    expect(plan({ policy: { requireExpiry: false } }, state(), { prune: true })).toEqual([]);
  });

  it('team members: added, changed and (with --prune) removed by email', () => {
    const current = state({
      teams: [{ id: 'team_1', name: 'platform', tokens: [], members: [
        { userId: 'usr_1', email: 'a@x.test', scopes: ['issues:read'], resources: null },
        { userId: 'usr_2', email: 'b@x.test', scopes: ['issues:read'], resources: null },
      ] }],
    });
    const spec = { teams: [{ name: 'platform', members: [{ email: 'A@x.test', scopes: ['issues:write'] }, { email: 'c@x.test', scopes: ['issues:read'] }] }] };
    expect(ops(plan(spec, current, { prune: true }))).toEqual(['~ teams/platform/members/A@x.test', '+ teams/platform/members/c@x.test', '- teams/platform/members/b@x.test']);
  });
});

describe('loadFile', () => {
  const problems = (text: string) => {
    try {
      loadFile('org.yaml', text);
    } catch (error) {
      if (error instanceof FileProblems) return error.message.split('\n');
      throw error;
    }
    return [];
  };

  it('names the path and line of every problem, in file order', () => {
    expect(
      problems(['teams:', '  - name: a', '    tokens:', '      - name: ci', '        scopes: [Issues]', '        expiresIn: 2d', 'extra: 1', ''].join('\n')),
    ).toEqual([
      'org.yaml:5:18: teams[0].tokens[0].scopes[0]: is not a scope (resource:action, e.g. issues:read)',
      'org.yaml:6:20: teams[0].tokens[0].expiresIn: must be one of "7d", "30d", "60d", "90d", "1y", "never", null',
      'org.yaml:7:1: extra: unknown key "extra" (expected one of: policy, serviceAccounts, teams, orgTokens)',
    ]);
  });

  it('finds duplicate names and org tokens with both or neither of role and scopes', () => {
    expect(problems('orgTokens:\n  - { name: k }\n  - { name: k, role: viewer, scopes: [a:b] }\n')).toEqual([
      'org.yaml:2:5: orgTokens[0]: give a role or scopes',
      'org.yaml:3:13: orgTokens[1].name: org token "k" is already declared at orgTokens[0] (line 2)',
      'org.yaml:3:16: orgTokens[1].role: give a role or scopes, not both',
    ]);
  });

  it('reads JSON as well, and an empty file is an empty org', () => {
    expect(loadFile('org.json', '{ "teams": [ { "name": "a" } ] }').spec).toEqual({ teams: [{ name: 'a' }] });
    expect(loadFile('empty.yaml', '').spec).toEqual({});
    expect(problems('teams: [\n')[0]).toMatch(/^org\.yaml:\d+:\d+: \(top level\): /);
  });
});
