// Small building blocks every page uses: times, statuses, empty and error states.
import type { ReactNode } from 'react';
import { describeError } from '../api/client';
import { exactTime, relativeTime } from '../lib/time';

export function RelativeTime({ iso, never = 'Never' }: { iso: string | null; never?: string }) {
  if (!iso) return <span className="muted">{never}</span>;
  return (
    <time dateTime={iso} title={exactTime(iso)}>
      {relativeTime(iso)}
    </time>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children && <p className="muted">{children}</p>}
    </div>
  );
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {describeError(error)}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function PageHeader({ title, children, description }: { title: string; children?: ReactNode; description?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {description && <p className="muted page-description">{description}</p>}
      </div>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}

export function ScopeList({ scopes, inherits = false }: { scopes: string[]; inherits?: boolean }) {
  if (inherits) return <span className="muted">Everything its owner can do</span>;
  if (scopes.length === 0) return <span className="muted">None</span>;
  return (
    <ul className="chips">
      {scopes.map((scope) => (
        <li key={scope} className="chip">
          {scope}
        </li>
      ))}
    </ul>
  );
}

export function Pager({ hasPrevious, hasNext, onPrevious, onNext }: { hasPrevious: boolean; hasNext: boolean; onPrevious: () => void; onNext: () => void }) {
  if (!hasPrevious && !hasNext) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="button" disabled={!hasPrevious} onClick={onPrevious}>
        Previous page
      </button>
      <button type="button" className="button" disabled={!hasNext} onClick={onNext}>
        Next page
      </button>
    </nav>
  );
}
