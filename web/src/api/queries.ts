// Server state shared by several pages (TanStack Query keys live here).
import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import type { Me, Org, Page, Role, ScopeCatalogue, UserOrg } from './types';

export const useMe = () => useQuery({ queryKey: ['me'], queryFn: () => api.get<Me>('/v1/me') });
export const useCatalogue = () => useQuery({ queryKey: ['scopes'], queryFn: () => api.get<ScopeCatalogue>('/v1/api-tokens/scopes'), staleTime: 5 * 60_000 });
export const useOrgs = () => useQuery({ queryKey: ['orgs'], queryFn: () => api.get<Page<UserOrg>>('/v1/orgs') });
export const useRoles = () => useQuery({ queryKey: ['roles'], queryFn: () => api.get<Page<Role>>('/v1/roles'), staleTime: 5 * 60_000 });

/** The current org; null when the caller may not read it (the pages then work without policy hints). */
export const useOrg = (enabled = true) =>
  useQuery({
    queryKey: ['org'],
    queryFn: () => api.get<Org>('/v1/org'),
    enabled,
    retry: false,
  });

/** What the navigation and buttons may offer: scopes from GET /v1/me. */
export function can(me: Me | undefined, scope: string): boolean {
  return me?.scopes.includes(scope) ?? false;
}

/**
 * Token administration (others' tokens, org API keys, org-wide revoke-all):
 * `tokens:admin`; on a server from before that scope existed, `tokens:manage`.
 */
export function canAdminTokens(me: Me | undefined, catalogue: ScopeCatalogue | undefined): boolean {
  if (can(me, 'tokens:admin')) return true;
  const known = catalogue?.data.some((entry) => entry.scope === 'tokens:admin') ?? true;
  return !known && can(me, 'tokens:manage');
}
