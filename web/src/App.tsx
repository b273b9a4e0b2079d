// The shell: who is signed in, the header (org switcher, Sign out), navigation by
// what the person may use, and the pages.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { api, ApiError, currentOrgId, setCsrfToken, setOrgId } from './api/client';
import { can, canAdminTokens, useCatalogue, useMe, useOrgs } from './api/queries';
import type { Me, ScopeCatalogue, SessionInfo } from './api/types';
import { ErrorMessage, Loading } from './components/common';
import { AcceptInvite } from './features/auth/AcceptInvite';
import { Logo, SignIn } from './features/auth/SignIn';
import { AuditPage } from './features/audit/AuditPage';
import { MembersPage } from './features/members/MembersPage';
import { OrgTokensPage } from './features/org-tokens/OrgTokensPage';
import { ServiceAccountsPage } from './features/service-accounts/ServiceAccountsPage';
import { SettingsPage } from './features/settings/SettingsPage';
import { TeamDetail } from './features/teams/TeamDetail';
import { TeamsPage } from './features/teams/TeamsPage';
import { TokenDetail } from './features/tokens/TokenDetail';
import { TokensPage } from './features/tokens/TokensPage';

interface NavItem {
  href: string;
  label: string;
  visible: (me: Me, catalogue: ScopeCatalogue | undefined) => boolean;
}

export const NAV: NavItem[] = [
  { href: '/tokens', label: 'Tokens', visible: (me) => can(me, 'tokens:read') || me.credential.type === 'session' },
  { href: '/service-accounts', label: 'Service accounts', visible: (me) => can(me, 'service_accounts:read') },
  { href: '/teams', label: 'Teams', visible: (me) => can(me, 'teams:read') || me.scopes.includes('team:manage') },
  { href: '/members', label: 'Members', visible: (me) => can(me, 'members:read') },
  { href: '/org-tokens', label: 'Org tokens', visible: (me, catalogue) => canAdminTokens(me, catalogue) },
  { href: '/audit', label: 'Audit log', visible: (me) => can(me, 'audit:read') },
  { href: '/settings', label: 'Settings', visible: (me) => can(me, 'org:read') },
];

export function App() {
  const queryClient = useQueryClient();
  const [location] = useLocation();
  const session = useQuery({
    queryKey: ['session'],
    queryFn: async () => {
      try {
        const info = await api.get<SessionInfo>('/v1/auth/session');
        setCsrfToken(info.csrfToken);
        return info;
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.code === 'session_expired')) return null;
        throw error;
      }
    },
    retry: false,
    staleTime: Infinity,
  });
  const signedIn = (info: SessionInfo) => {
    // Drop what a previous person's session cached; keep the session query itself, which the app watches.
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
    if (currentOrgId() && info.org && currentOrgId() !== info.org.id) setOrgId(null);
    queryClient.setQueryData(['session'], info);
  };

  if (session.isPending) return <Loading what="Latchkey" />;
  if (session.error) return <ErrorMessage error={session.error} />;
  if (location === '/accept-invite' && !session.data) return <AcceptInvite onSignedIn={signedIn} />;
  if (!session.data) return <SignIn onSignedIn={signedIn} />;
  return <Shell session={session.data} />;
}

function Shell({ session }: { session: SessionInfo }) {
  const queryClient = useQueryClient();
  const [location] = useLocation();
  const me = useMe();
  const catalogue = useCatalogue();
  const orgs = useOrgs();
  const items = me.data ? NAV.filter((item) => item.visible(me.data, catalogue.data)) : [];

  async function signOut() {
    try {
      await api.post('/v1/auth/logout', {});
    } finally {
      setCsrfToken(null);
      queryClient.setQueryData(['session'], null);
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
    }
  }

  function switchOrg(id: string) {
    setOrgId(id);
    // Everything cached belongs to the previous org: reset it (the mounted pages refetch at once).
    void queryClient.resetQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
  }

  const orgList = orgs.data?.data.filter((org) => org.status === 'active') ?? [];
  const currentOrg = me.data?.org.id ?? session.org?.id ?? '';
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="header">
        <div className="header-inner">
          <Link href="/tokens" className="brand">
            <Logo /> Latchkey
          </Link>
          <div className="header-right">
            {orgList.length > 1 ? (
              <label className="org-switcher">
                <span className="visually-hidden">Organization</span>
                <select value={currentOrg} onChange={(event) => switchOrg(event.target.value)}>
                  {orgList.map((org) => (
                    <option key={org.id} value={org.id}>
                      {org.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              <span className="org-name">{me.data?.org.name}</span>
            )}
            <span className="user-name" title={session.user.email}>
              {session.user.name}
            </span>
            <button type="button" className="button button-small button-ghost" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </div>
        <nav className="nav" aria-label="Main">
          <ul>
            {items.map((item) => (
              <li key={item.href}>
                <Link href={item.href} className={location === item.href || location.startsWith(`${item.href}/`) ? 'active' : ''} aria-current={location === item.href ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" className="main">
        {me.isPending ? (
          <Loading what="your organization" />
        ) : me.error ? (
          <ErrorMessage error={me.error} />
        ) : (
          <Switch>
            <Route path="/tokens" component={TokensPage} />
            <Route path="/tokens/:id">{(params) => <TokenDetail id={params.id} scope="personal" />}</Route>
            <Route path="/service-accounts" component={ServiceAccountsPage} />
            <Route path="/teams" component={TeamsPage} />
            <Route path="/teams/:id">{(params) => <TeamDetail id={params.id} />}</Route>
            <Route path="/members" component={MembersPage} />
            <Route path="/org-tokens" component={OrgTokensPage} />
            <Route path="/org-tokens/:id">{(params) => <TokenDetail id={params.id} scope="org" />}</Route>
            <Route path="/audit" component={AuditPage} />
            <Route path="/settings" component={SettingsPage} />
            <Route path="/">
              <Redirect to={items[0]?.href ?? '/tokens'} />
            </Route>
            <Route>
              <div className="empty">
                <h1>Page not found</h1>
                <p className="muted">
                  <Link href="/tokens">Go to your tokens</Link>
                </p>
              </div>
            </Route>
          </Switch>
        )}
      </main>
    </div>
  );
}
