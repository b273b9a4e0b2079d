// Relative times for tables ("3 days ago"), with the exact UTC time for the hover title.

const DAY = 86_400_000;

/** Unit, its length, and from how far away it is used ("10 days", not "next week"). */
const UNITS: [Intl.RelativeTimeFormatUnit, number, number][] = [
  ['year', 365 * DAY, 365 * DAY],
  ['month', 30 * DAY, 30 * DAY],
  ['week', 7 * DAY, 14 * DAY],
  ['day', DAY, DAY],
  ['hour', 3_600_000, 3_600_000],
  ['minute', 60_000, 60_000],
];

const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 days ago", "in 2 months", "just now" (within a minute either way). */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const diff = new Date(iso).getTime() - now.getTime();
  const abs = Math.abs(diff);
  if (Number.isNaN(abs)) return iso;
  if (abs < 60_000) return 'just now';
  for (const [unit, ms, from] of UNITS) {
    if (abs >= from) return format.format(Math.round(diff / ms), unit);
  }
  return 'just now';
}

/** "2030-01-31 14:05:09 UTC": unambiguous, the same for everyone reading a shared screen. */
export function exactTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
