// Live permissions of each kind of principal, read from current state: a user's
// org role plus their team grants; a service account's grants; a service
// token's own grants plus its team attachments.
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { runPrepared } from '../db/prepared.js';
import { mergeGrants, orgWide, type Grant } from './engine.js';
import type { RoleDefinition } from './catalogue.js';

export function findRole(config: Config, name: string): RoleDefinition | undefined {
  return config.roles.find((r) => r.name === name);
}

export function roleGrants(config: Config, roleName: string | null): Grant[] {
  return orgWide(roleName ? (findRole(config, roleName)?.scopes ?? []) : []);
}

export function parseGrants(json: string | null): Grant[] | null {
  return json === null ? null : (JSON.parse(json) as Grant[]);
}

/** A stored `{scopes, resources}` pair (team members, attachments, service accounts) as a grant. */
export function grantOf(row: { scopes: string; resources: string | null }, team: string | null): Grant {
  return { team, scopes: JSON.parse(row.scopes) as string[], resources: row.resources === null ? null : (JSON.parse(row.resources) as string[]) };
}

/** The inverse of grantOf: a grant's scopes and resources as stored (JSON text). */
export function storedGrant(grant: Grant): { scopes: string; resources: string | null } {
  return { scopes: JSON.stringify(grant.scopes), resources: grant.resources === null ? null : JSON.stringify(grant.resources) };
}

/** What a member may do in an org right now: role scopes org-wide, plus each team grant. */
export async function userGrants(db: Kysely<Database>, config: Config, orgId: string, userId: string, roleName: string): Promise<Grant[]> {
  const teams = await runPrepared(
    db,
    'userTeamGrants',
    (d) => d.selectFrom('team_members').select(['team_id', 'scopes', 'resources']).where('org_id', '=', '').where('user_id', '=', ''),
    [orgId, userId],
  );
  return mergeGrants([...roleGrants(config, roleName), ...teams.map((row) => grantOf(row, row.team_id))]);
}

/** A service token's team attachments, each a grant limited to its team. */
export async function attachmentGrants(db: Kysely<Database>, tokenId: string): Promise<Grant[]> {
  const rows = await runPrepared(db, 'tokenAttachments', (d) => d.selectFrom('token_attachments').select(['team_id', 'scopes', 'resources']).where('token_id', '=', ''), [tokenId]);
  return rows.map((row) => grantOf(row, row.team_id));
}
