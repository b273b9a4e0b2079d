import { describe, expect, it } from 'vitest';
import { decodeCursor, DEFAULT_LIMIT, MAX_LIMIT, pageLimit, toPage } from '../../src/pagination.js';
import { AppError } from '../../src/errors.js';
import { newId } from '../../src/random.js';

const encode = (id: string) => Buffer.from(id).toString('base64url');

describe('cursor pagination', () => {
  it('round-trips the cursor of a page', () => {
    const rows = Array.from({ length: 4 }, (_, i) => ({ id: newId('tok', new Date(2030, 0, 1, 0, 0, 10 - i)) }));
    const page = toPage(rows, 3, (r) => r.id);
    expect(page.data).toEqual(rows.slice(0, 3).map((r) => r.id));
    expect(page.nextCursor).not.toBeNull();
    expect(decodeCursor(page.nextCursor!)).toBe(rows[2]!.id);
  });

  it('has no next cursor on the last page', () => {
    const rows = [{ id: newId('tok') }, { id: newId('tok') }];
    expect(toPage(rows, 2, (r) => r).nextCursor).toBeNull();
    expect(toPage([], 2, (r) => r)).toEqual({ data: [], nextCursor: null });
  });

  it('starts at the beginning without a cursor', () => {
    expect(decodeCursor(undefined)).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['not base64url', '!!!!'],
    ['not an id', encode('hello world')],
    ['an id with SQL in it', encode("tok_1234567890' OR 1=1 --")],
    ['a non-canonical encoding', encode(newId('tok')) + '='],
    ['too long an id', encode(`tok_${'a'.repeat(60)}`)],
  ])('rejects a cursor that is %s with 400 invalid_cursor', (_what, cursor) => {
    try {
      decodeCursor(cursor);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('invalid_cursor');
      expect((error as AppError).status).toBe(400);
    }
  });

  it('clamps the page size', () => {
    expect(pageLimit({})).toBe(DEFAULT_LIMIT);
    expect(pageLimit({ limit: 0 })).toBe(1);
    expect(pageLimit({ limit: 10_000 })).toBe(MAX_LIMIT);
    expect(pageLimit({ limit: 7 })).toBe(7);
  });
});
