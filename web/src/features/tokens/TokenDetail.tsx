// Token detail: facts, uses per day over the last 30 days, the last five IPs, and its audit trail.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, ApiError } from '../../api/client';
import { can, useMe } from '../../api/queries';
import type { AuditEvent, Page, Token, Usage } from '../../api/types';
import { ErrorMessage, Loading, RelativeTime, ScopeList, StatusBadge } from '../../components/common';
import { UsageChart } from './UsageChart';
import { AuditTable } from '../audit/AuditTable';

export function TokenDetail({ id, scope }: { id: string; scope: 'personal' | 'org' }) {
  const base = scope === 'personal' ? `/v1/api-tokens/${id}` : `/v1/tokens/${id}`;
  const back = scope === 'personal' ? { href: '/tokens', label: 'Personal access tokens' } : { href: '/org-tokens', label: 'Org tokens' };
  const me = useMe();
  const token = useQuery({ queryKey: ['token', scope, id], queryFn: () => api.get<Token>(base) });
  const usage = useQuery({ queryKey: ['usage', scope, id], queryFn: () => api.get<Usage>(`${base}/usage?days=30`) });
  const audit = useQuery({
    queryKey: ['audit', { target: id }],
    queryFn: () => api.get<Page<AuditEvent>>(`/v1/audit-events?target=${encodeURIComponent(id)}&limit=20`),
    enabled: can(me.data, 'audit:read'),
    retry: false,
  });

  if (token.isPending) return <Loading what="the token" />;
  if (token.error) return <ErrorMessage error={token.error} />;
  const t = token.data;
  return (
    <>
      <p className="breadcrumb">
        <Link href={back.href}>← {back.label}</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>{t.name}</h1>
          <p className="muted page-description">
            <code>{t.prefix}…</code> · {t.kind === 'personal' ? 'personal token' : 'service token'} <StatusBadge status={t.status} />
          </p>
        </div>
      </div>
      <dl className="facts">
        <div>
          <dt>Scopes</dt>
          <dd>
            <ScopeList scopes={t.scopes} />
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <RelativeTime iso={t.createdAt} />
          </dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd>
            <RelativeTime iso={t.expiresAt} />
          </dd>
        </div>
        <div>
          <dt>Last used</dt>
          <dd>
            <RelativeTime iso={t.lastUsedAt} />
            {t.lastUsedIp && <span className="muted"> from {t.lastUsedIp}</span>}
          </dd>
        </div>
      </dl>
      <section className="card" aria-labelledby="usage-heading">
        <h2 id="usage-heading">Usage, last 30 days</h2>
        {usage.isPending ? <Loading what="usage" /> : usage.error ? <ErrorMessage error={usage.error} /> : <UsageChart usage={usage.data} />}
        <h3>Last IPs</h3>
        {usage.data && usage.data.lastIps.length === 0 && <p className="muted">No uses recorded yet.</p>}
        {usage.data && usage.data.lastIps.length > 0 && (
          <ul className="ip-list" aria-label="Last IPs">
            {usage.data.lastIps.map((ip) => (
              <li key={ip}>
                <code>{ip}</code>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="trail-heading">
        <h2 id="trail-heading">Audit trail</h2>
        {!can(me.data, 'audit:read') ? (
          <p className="muted">Your role cannot read the audit log.</p>
        ) : audit.isPending ? (
          <Loading what="the audit trail" />
        ) : audit.error instanceof ApiError && audit.error.code === 'plan_feature_unavailable' ? (
          <p className="notice">{audit.error.detail}</p>
        ) : audit.error ? (
          <ErrorMessage error={audit.error} />
        ) : (
          <AuditTable events={audit.data.data} caption={`Audit trail of ${t.name}`} />
        )}
      </section>
    </>
  );
}
