// `latchkey audit list` (table, JSON lines, CSV; --follow polls for new events)
// and `latchkey verify TOKEN` (exit 0 only when the token is valid and allowed).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { AuditEvent } from '../api.js';
import { action, clientCommand, type Context, type SetCode } from '../command.js';
import { parseSince } from '../parse.js';
import { readStdin } from '../prompt.js';

const CSV_COLUMNS: [string, (e: AuditEvent) => string | number | null][] = [
  ['id', (e) => e.id],
  ['createdAt', (e) => e.createdAt],
  ['actorType', (e) => e.actor.type],
  ['actorId', (e) => e.actor.id],
  ['actorName', (e) => e.actor.name],
  ['actorPrefix', (e) => e.actor.prefix],
  ['action', (e) => e.action],
  ['targetType', (e) => e.target.type],
  ['targetId', (e) => e.target.id],
  ['ip', (e) => e.ip],
  ['userAgent', (e) => e.userAgent],
  ['requestId', (e) => e.requestId],
];

function csvCell(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  // Quoted when needed; a leading =,+,-,@ is defused so a spreadsheet does not run it.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function actorText(e: AuditEvent): string {
  if (e.actor.type === 'token') return `${e.actor.name ?? '?'} (${e.actor.prefix ?? ''}…)`;
  if (e.actor.type === 'system') return 'system';
  return e.actor.name ?? e.actor.id ?? e.actor.type;
}

export function registerAudit(cli: Command, setCode: SetCode): void {
  // `audit` may exist already (the server-side `audit verify-chain`): add to it.
  const audit = cli.commands.find((c) => c.name() === 'audit') ?? cli.command('audit').description('The audit log');

  clientCommand(audit, 'list', 'Audit events, newest first (or exported as JSON lines / CSV)')
    .option('--action <action>', 'an action or a family: token.minted, token.*')
    .option('--actor <id>', 'a user, token or service account id')
    .option('--target <id>', 'what was acted on')
    .option('--since <time>', 'an ISO time, a date, or a span back: 15m, 2h, 7d')
    .option('--until <time>', 'the same, for the end')
    .option('--limit <n>', 'at most this many events (default 50 for a table; all for --format)')
    .option('--format <format>', 'jsonl or csv: every matching event, oldest first')
    .option('--follow', 'keep printing new events as they happen (polls every 2 s; Ctrl-C stops)')
    .action(action(setCode, auditList));

  clientCommand(cli, 'verify <token>', 'Ask whether a token is valid and allowed (use - to read it from stdin); exit 0 only then')
    .option('--scope <scope>', 'the scope asked for')
    .option('--team <teamId>', 'in this team')
    .option('--resource <id>', 'on this resource')
    .action(
      action(setCode, async (ctx, [token], o) => {
        const value = token === '-' ? (await readStdin()).trim() : token;
        const result = await ctx.client().verify({
          token: value,
          ...(o.scope ? { scope: String(o.scope) } : {}),
          ...(o.team ? { team: String(o.team) } : {}),
          ...(o.resource ? { resource: String(o.resource) } : {}),
        });
        const ok = result.valid && result.allowed;
        if (ctx.json) ctx.out.json(result);
        else {
          const mark = ok ? ctx.out.color.green('✓') : ctx.out.color.red('✗');
          const about = result.token ? ` token "${result.token.name}" (${result.token.prefix}…, ${result.token.kind})${result.principal ? ` of ${result.principal.name}` : ''}` : '';
          const asked = o.scope ? `; ${o.scope}${o.resource ? ` on ${o.resource}` : ''}${o.team ? ` in ${o.team}` : ''} ${result.allowed ? 'allowed' : 'not allowed'}` : '';
          ctx.out.line(`${mark} ${result.code}${about}${asked}`);
        }
        return ok ? 0 : 1;
      }),
    );
}

async function auditList(ctx: Context, _args: unknown, o: Record<string, unknown>): Promise<number> {
  const format = o.format as string | undefined;
  if (format !== undefined && format !== 'jsonl' && format !== 'csv') ctx.usage('--format is jsonl or csv');
  const time = (name: 'since' | 'until') => {
    if (o[name] === undefined) return {};
    const at = parseSince(String(o[name]));
    if (!at) ctx.usage(`--${name}: "${String(o[name])}" is not a time (2026-01-31, an ISO time, or 15m / 2h / 7d)`);
    return { [name]: at };
  };
  let limit: number | undefined;
  if (o.limit !== undefined) {
    limit = Number(o.limit);
    if (!Number.isInteger(limit) || limit < 1) ctx.usage('--limit is a positive whole number');
  } else if (!format) limit = 50;
  const filters = {
    ...(o.action ? { action: String(o.action) } : {}),
    ...(o.actor ? { actor: String(o.actor) } : {}),
    ...(o.target ? { target: String(o.target) } : {}),
    ...time('since'),
    ...time('until'),
  };
  const lk = ctx.client();

  const fetchNewest = async (extra: { since?: string } = {}): Promise<AuditEvent[]> => {
    const events: AuditEvent[] = [];
    for await (const event of lk.audit.list({ ...filters, ...extra, limit: Math.min(limit ?? 200, 200) })) {
      events.push(event);
      if (limit !== undefined && events.length >= limit) break;
    }
    return events;
  };

  const print = (events: AuditEvent[], first: boolean) => {
    if (format === 'jsonl') for (const e of events) ctx.out.line(JSON.stringify(e));
    else if (format === 'csv') {
      if (first) ctx.out.line(CSV_COLUMNS.map(([name]) => name).join(','));
      for (const e of events) ctx.out.line(CSV_COLUMNS.map(([, get]) => csvCell(get(e))).join(','));
    } else if (ctx.json) for (const e of events) ctx.out.line(JSON.stringify(e));
    else if (first || events.length) {
      ctx.out.table(events, [
        { header: 'Time', value: (e) => ctx.out.time(e.createdAt) },
        { header: 'Actor', value: actorText },
        { header: 'Action', value: (e) => e.action, style: (s) => ctx.out.color.cyan(s) },
        { header: 'Target', value: (e) => e.target.id ?? '-' },
        { header: 'IP', value: (e) => e.ip ?? '-' },
        { header: 'Request', value: (e) => e.requestId ?? '-', style: (s) => ctx.out.color.dim(s) },
      ], 'No events match.');
    }
  };

  const events = await fetchNewest();
  // Exports and follow mode read as a log: oldest first. A table shows the newest first.
  if (format || o.follow) events.reverse();
  if (ctx.json && !o.follow) ctx.out.json({ data: events, nextCursor: null });
  else print(events, true);
  if (!o.follow) return 0;

  const seen = new Set(events.map((e) => e.id));
  let since = events.reduce((latest, e) => (e.createdAt > latest ? e.createdAt : latest), (filters as { since?: string }).since ?? new Date(0).toISOString());
  let stopped = false;
  const stop = () => (stopped = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopped) {
    await sleep(Number(ctx.env.LATCHKEY_FOLLOW_INTERVAL_MS ?? 2000));
    if (stopped) break;
    const fresh: AuditEvent[] = [];
    for await (const event of lk.audit.list({ ...filters, since, limit: 200 })) if (!seen.has(event.id)) fresh.push(event);
    fresh.reverse();
    for (const e of fresh) {
      seen.add(e.id);
      if (e.createdAt > since) since = e.createdAt;
    }
    if (fresh.length) print(fresh, false);
  }
  return 0;
}
