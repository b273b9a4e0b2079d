// Settings: the org's name, its token policy, and its plan (a plan change needs a signed-in person).
import { useEffect, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { can, useMe, useOrg } from '../../api/queries';
import type { Org, Page, Plan } from '../../api/types';
import { ErrorMessage, Loading, PageHeader } from '../../components/common';

function useSave() {
  const [state, setState] = useState<{ saved: boolean; error: unknown }>({ saved: false, error: null });
  async function run(action: () => Promise<unknown>) {
    setState({ saved: false, error: null });
    try {
      await action();
      setState({ saved: true, error: null });
    } catch (error) {
      setState({ saved: false, error });
    }
  }
  return { ...state, run };
}

export function SettingsPage() {
  const queryClient = useQueryClient();
  const me = useMe();
  const org = useOrg();
  const plans = useQuery({ queryKey: ['plans'], queryFn: () => api.get<Page<Plan>>('/v1/plans') });
  const canManage = can(me.data, 'org:manage');
  const [name, setName] = useState('');
  const [requireExpiry, setRequireExpiry] = useState(false);
  const [maxLifetime, setMaxLifetime] = useState('');
  const [perPerson, setPerPerson] = useState('');
  const [plan, setPlan] = useState('');
  const nameSave = useSave();
  const policySave = useSave();
  const planSave = useSave();

  useEffect(() => {
    if (!org.data) return;
    setName(org.data.name);
    setRequireExpiry(org.data.policy.requireExpiry);
    setMaxLifetime(org.data.policy.maxLifetimeDays?.toString() ?? '');
    setPerPerson(org.data.policy.maxPersonalTokensPerUser?.toString() ?? '');
    setPlan(org.data.plan);
  }, [org.data]);

  const patch = async (body: unknown) => {
    const updated = await api.patch<Org>('/v1/org', body);
    queryClient.setQueryData(['org'], updated);
    await Promise.all([queryClient.invalidateQueries({ queryKey: ['me'] }), queryClient.invalidateQueries({ queryKey: ['orgs'] }), queryClient.invalidateQueries({ queryKey: ['seats'] })]);
  };

  if (org.isPending) return <Loading what="settings" />;
  if (org.error) return <ErrorMessage error={org.error} />;
  const isSession = me.data?.credential.type === 'session';
  return (
    <>
      <PageHeader title="Settings" />
      <form
        className="card"
        aria-labelledby="settings-org"
        onSubmit={(event) => {
          event.preventDefault();
          void nameSave.run(() => patch({ name: name.trim() }));
        }}
      >
        <h2 id="settings-org">Organization</h2>
        <label className="field">
          <span>Organization name</span>
          <input value={name} disabled={!canManage} required maxLength={100} onChange={(event) => setName(event.target.value)} />
        </label>
        <SaveRow label="Save name" disabled={!canManage} state={nameSave} />
      </form>
      <form
        className="card"
        aria-labelledby="settings-policy"
        onSubmit={(event) => {
          event.preventDefault();
          void policySave.run(() =>
            patch({
              policy: {
                requireExpiry,
                maxLifetimeDays: maxLifetime ? Number(maxLifetime) : null,
                maxPersonalTokensPerUser: perPerson ? Number(perPerson) : null,
              },
            }),
          );
        }}
      >
        <h2 id="settings-policy">Token policy</h2>
        <label className="checkbox">
          <input type="checkbox" checked={requireExpiry} disabled={!canManage} onChange={(event) => setRequireExpiry(event.target.checked)} />
          <span>Require an expiry on new tokens</span>
        </label>
        <div className="field-row">
          <label className="field">
            <span>Maximum lifetime (days)</span>
            <input type="number" min={1} max={36500} inputMode="numeric" placeholder="No limit" value={maxLifetime} disabled={!canManage} onChange={(event) => setMaxLifetime(event.target.value)} />
          </label>
          <label className="field">
            <span>Personal tokens per person</span>
            <input type="number" min={1} max={10000} inputMode="numeric" placeholder="No limit" value={perPerson} disabled={!canManage} onChange={(event) => setPerPerson(event.target.value)} />
          </label>
        </div>
        <SaveRow label="Save policy" disabled={!canManage} state={policySave} />
      </form>
      <form
        className="card"
        aria-labelledby="settings-plan"
        onSubmit={(event) => {
          event.preventDefault();
          void planSave.run(() => patch({ plan }));
        }}
      >
        <h2 id="settings-plan">Plan</h2>
        <p className="muted">
          Seats: {org.data.seats.used} of {org.data.seats.limit ?? 'unlimited'} used. {isSession ? '' : 'Changing the plan needs a signed-in person; no token can do it.'}
        </p>
        <label className="field">
          <span>Plan</span>
          <select value={plan} disabled={!canManage || !isSession} onChange={(event) => setPlan(event.target.value)}>
            {plans.data?.data.map((option) => (
              <option key={option.name} value={option.name}>
                {option.name}: {option.seatLimit ?? 'unlimited'} seats{option.features.auditLog ? ', audit log' : ''}
              </option>
            ))}
          </select>
        </label>
        <SaveRow label="Change plan" disabled={!canManage || !isSession || plan === org.data.plan} state={planSave} />
      </form>
    </>
  );
}

function SaveRow({ label, disabled, state }: { label: string; disabled: boolean; state: { saved: boolean; error: unknown } }) {
  return (
    <div className="save-row">
      <button type="submit" className="button button-primary" disabled={disabled}>
        {label}
      </button>
      <span role="status" className="muted">
        {state.saved ? 'Saved.' : ''}
      </span>
      <ErrorMessage error={state.error} />
    </div>
  );
}
