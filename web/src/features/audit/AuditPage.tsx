// Audit log: filters (actor type, action, time range), paging, and export as JSON lines or CSV.
import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, ApiError, query } from '../../api/client';
import type { AuditEvent, Page } from '../../api/types';
import { ErrorMessage, Loading, PageHeader, Pager } from '../../components/common';
import { auditCsv, parseJsonLines } from '../../lib/csv';
import { AuditTable } from './AuditTable';

interface Filters {
  actor: string;
  action: string;
  since: string;
  until: string;
}

function filterParams(filters: Filters) {
  return {
    actor: filters.actor || undefined,
    action: filters.action.trim() || undefined,
    since: filters.since ? new Date(`${filters.since}T00:00:00.000Z`).toISOString() : undefined,
    until: filters.until ? new Date(`${filters.until}T23:59:59.999Z`).toISOString() : undefined,
  };
}

function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function AuditPage() {
  const [draft, setDraft] = useState<Filters>({ actor: '', action: '', since: '', until: '' });
  const [filters, setFilters] = useState<Filters>(draft);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const [exportError, setExportError] = useState<unknown>(null);
  const events = useQuery({
    queryKey: ['audit', filters, cursor],
    queryFn: () => api.get<Page<AuditEvent>>(`/v1/audit-events${query({ ...filterParams(filters), limit: 25, cursor })}`),
    placeholderData: keepPreviousData,
    retry: false,
  });

  async function exportAs(format: 'jsonl' | 'csv') {
    setExportError(null);
    try {
      const text = await api.get<string>(`/v1/audit-events${query({ ...filterParams(filters), format: 'jsonl' })}`);
      const stamp = new Date().toISOString().slice(0, 10);
      if (format === 'jsonl') download(`audit-${stamp}.jsonl`, 'application/x-ndjson', text);
      else download(`audit-${stamp}.csv`, 'text/csv', auditCsv(parseJsonLines(text)));
    } catch (error) {
      setExportError(error);
    }
  }

  if (events.error instanceof ApiError && events.error.code === 'plan_feature_unavailable') {
    return (
      <>
        <PageHeader title="Audit log" />
        <div className="notice" role="note">
          <p>
            <strong>The audit log is not part of your plan.</strong>
          </p>
          <p>{events.error.detail}</p>
          <p className="muted">An owner can change the plan under Settings.</p>
        </div>
      </>
    );
  }
  return (
    <>
      <PageHeader title="Audit log" description="Who did what, when, with which credential and from where.">
        <button type="button" className="button" onClick={() => void exportAs('jsonl')}>
          Export JSON lines
        </button>
        <button type="button" className="button" onClick={() => void exportAs('csv')}>
          Export CSV
        </button>
      </PageHeader>
      <ErrorMessage error={exportError} />
      <form
        className="filters"
        aria-label="Filters"
        onSubmit={(event) => {
          event.preventDefault();
          setCursors([]);
          setFilters(draft);
        }}
      >
        <label className="field">
          <span>Actor type</span>
          <select value={draft.actor} onChange={(event) => setDraft({ ...draft, actor: event.target.value })}>
            <option value="">Anyone</option>
            <option value="user">People</option>
            <option value="token">Tokens</option>
            <option value="system">Latchkey itself</option>
          </select>
        </label>
        <label className="field">
          <span>Action</span>
          <input value={draft.action} placeholder="e.g. token.* or token.revoked" onChange={(event) => setDraft({ ...draft, action: event.target.value })} />
        </label>
        <label className="field">
          <span>From</span>
          <input type="date" value={draft.since} onChange={(event) => setDraft({ ...draft, since: event.target.value })} />
        </label>
        <label className="field">
          <span>To</span>
          <input type="date" value={draft.until} onChange={(event) => setDraft({ ...draft, until: event.target.value })} />
        </label>
        <button type="submit" className="button">
          Apply filters
        </button>
      </form>
      {events.isPending ? <Loading what="events" /> : events.error ? <ErrorMessage error={events.error} /> : <AuditTable events={events.data.data} caption="Audit events, newest first" />}
      <Pager
        hasPrevious={cursors.length > 0}
        hasNext={Boolean(events.data?.nextCursor)}
        onPrevious={() => setCursors(cursors.slice(0, -1))}
        onNext={() => events.data?.nextCursor && setCursors([...cursors, events.data.nextCursor])}
      />
    </>
  );
}
