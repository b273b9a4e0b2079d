// The one place the client commands print: aligned tables and relative times for
// people, the API's JSON (--json) for machines, problems on stderr. Colour only
// on a terminal, and never when NO_COLOR is set (https://no-color.org).
import pc from 'picocolors';
import { LatchkeyError } from './api.js';

type Colors = ReturnType<typeof pc.createColors>;

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface OutputOptions {
  stdout?: Stream;
  stderr?: Stream;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Colour for a cell (given its plain text); alignment counts visible characters only. */
  style?: (text: string, row: T) => string;
}

export class Output {
  readonly stdout: Stream;
  readonly stderr: Stream;
  /** stdout is a terminal: tables get colour and relative times. */
  readonly isTTY: boolean;
  readonly color: Colors;
  readonly now: () => Date;

  constructor(options: OutputOptions = {}) {
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    const env = options.env ?? process.env;
    this.isTTY = this.stdout.isTTY === true;
    const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
    this.color = pc.createColors(this.isTTY && !noColor && env.TERM !== 'dumb');
    this.now = options.now ?? (() => new Date());
  }

  line(text = ''): void {
    this.stdout.write(text + '\n');
  }

  /** Something said to the person, not data: stderr, so stdout stays clean for pipes. */
  note(text: string): void {
    this.stderr.write(text + '\n');
  }

  json(value: unknown): void {
    this.stdout.write(JSON.stringify(value, null, this.isTTY ? 2 : undefined) + '\n');
  }

  table<T>(rows: readonly T[], columns: Column<T>[], empty = 'Nothing to show.'): void {
    if (rows.length === 0) {
      this.note(empty);
      return;
    }
    const cells = rows.map((row) => columns.map((column) => sanitize(column.value(row))));
    const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((r) => r[i]!.length)));
    const last = columns.length - 1;
    // Styled first, padded after: escape codes take no room on screen.
    const render = (values: string[], style: (text: string, i: number) => string) =>
      values
        .map((value, i) => style(value, i) + (i === last ? '' : ' '.repeat(widths[i]! - value.length)))
        .join('  ')
        .trimEnd();
    this.line(render(columns.map((c) => c.header.toUpperCase()), (text) => this.color.bold(text)));
    rows.forEach((row, r) => this.line(render(cells[r]!, (text, i) => columns[i]!.style?.(text, row) ?? text)));
  }

  /** "3 minutes ago" / "in 29 days" on a terminal; the ISO time otherwise (scripts parse it). */
  time(iso: string | null | undefined, none = '-'): string {
    if (!iso) return none;
    return this.isTTY ? relativeTime(new Date(iso), this.now()) : iso;
  }

  status(status: string): string {
    if (status === 'active') return this.color.green(status);
    if (status === 'revoked') return this.color.red(status);
    if (status === 'expired' || status === 'suspended') return this.color.yellow(status);
    return status;
  }

  /** The secret shown once, set apart so it is easy to copy and hard to miss. */
  secret(label: string, value: string): void {
    this.line(`${label}: ${this.color.bold(value)}`);
    this.note(this.color.yellow('Copy it now: it is shown once and stored only as a hash.'));
  }

  error(error: unknown): void {
    this.stderr.write(formatError(error, this.color) + '\n');
  }
}

export function formatError(error: unknown, color: Colors = pc.createColors(false)): string {
  if (error instanceof LatchkeyError) {
    const fields = error.errors.map((e) => `\n  ${e.field}: ${e.message}`).join('');
    const request = error.requestId ? color.dim(` (request ${error.requestId})`) : '';
    return `${color.red('error:')} ${error.detail} [${error.code}]${request}${fields}`;
  }
  return `${color.red('error:')} ${(error as Error).message ?? String(error)}`;
}

/** Control characters from the server never reach the terminal (no escape-sequence injection). */
function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

export function relativeTime(at: Date, now: Date): string {
  const delta = at.getTime() - now.getTime();
  if (Math.abs(delta) < 60_000) return 'just now';
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms || unit === 'minute') return relative.format(Math.trunc(delta / ms), unit);
  }
  return 'just now';
}
