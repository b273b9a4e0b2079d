// Cursor pagination over time-ordered ids: newest first; the cursor is the last
// id of the page, wrapped so clients treat it as opaque.
import { AppError } from './errors.js';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export function pageLimit(request: PageRequest): number {
  return Math.min(Math.max(request.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
}

/** The id to continue after, or undefined for the first page. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]{2,8}_[0-9A-Za-z]{10,40}$/.test(id) || Buffer.from(id).toString('base64url') !== cursor) {
    throw new AppError('invalid_cursor', 'The cursor is not one this API returned', { errors: [{ field: 'cursor', message: 'invalid cursor' }] });
  }
  return id;
}

/** `rows` was fetched with limit + 1 so we know whether another page exists. */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, view: (row: R) => T): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    data: pageRows.map(view),
    nextCursor: hasMore && last ? Buffer.from(last.id).toString('base64url') : null,
  };
}
