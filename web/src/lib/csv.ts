// Audit log export as CSV (the API exports JSON lines; a spreadsheet wants CSV).

export interface AuditRow {
  id: string;
  createdAt: string;
  actor: { type: string; id: string | null; name: string | null; prefix: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

const COLUMNS = ['id', 'time', 'actor_type', 'actor_id', 'actor_name', 'actor_prefix', 'action', 'target_type', 'target_id', 'ip', 'user_agent', 'request_id'];

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet never runs it as a formula. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function auditCsv(rows: AuditRow[]): string {
  const lines = rows.map((e) =>
    [e.id, e.createdAt, e.actor.type, e.actor.id, e.actor.name, e.actor.prefix, e.action, e.target.type, e.target.id, e.ip, e.userAgent, e.requestId].map(csvField).join(','),
  );
  return [COLUMNS.join(','), ...lines].join('\r\n') + '\r\n';
}

/** JSON lines (one event per line) → rows; blank lines are skipped. */
export function parseJsonLines(text: string): AuditRow[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditRow);
}
