// A user's permissions in an org, from their live role. (Team grants join here.)
import type { Config } from '../config.js';
import { orgWide, type Grant } from './engine.js';
import type { RoleDefinition } from './catalogue.js';

export function findRole(config: Config, name: string): RoleDefinition | undefined {
  return config.roles.find((r) => r.name === name);
}

export function roleGrants(config: Config, roleName: string | null): Grant[] {
  return orgWide(roleName ? (findRole(config, roleName)?.scopes ?? []) : []);
}

export function userGrants(config: Config, roleName: string): Grant[] {
  return roleGrants(config, roleName);
}

export function parseGrants(json: string | null): Grant[] | null {
  return json === null ? null : (JSON.parse(json) as Grant[]);
}
