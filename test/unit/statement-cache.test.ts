// The SQLite statement cache: the same SQL reuses one compiled statement, and a
// statement still streaming is never handed out again.
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../../src/db/statement-cache.js';

interface Db {
  items: { id: number; name: string };
}

function open(max?: number): { db: Kysely<Db>; raw: SQLite.Database } {
  const raw = new SQLite(':memory:');
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: withStatementCache(raw, max) }) });
  return { db, raw };
}

describe('withStatementCache', () => {
  it('never hands out a statement that is still iterating', () => {
    const raw = new SQLite(':memory:');
    const cache = withStatementCache(raw);
    raw.exec("create table items (id integer); insert into items values (1), (2), (3)");
    const sql = 'select id from items order by id';
    const first = cache.prepare(sql) as unknown as SQLite.Statement;
    expect(cache.prepare(sql)).toBe(first);
    const rows = first.iterate();
    rows.next();
    const second = cache.prepare(sql) as unknown as SQLite.Statement;
    expect(second).not.toBe(first);
    expect(second.all()).toHaveLength(3);
    rows.return?.();
    expect(cache.prepare(sql)).toBe(first);
    cache.close();
  });

  it('reuses compiled statements and stays within its bound', async () => {
    const { db, raw } = open(2);
    const prepare = raw.prepare.bind(raw);
    let compiled = 0;
    raw.prepare = ((sql: string) => {
      compiled++;
      return prepare(sql);
    }) as typeof raw.prepare;
    await db.schema.createTable('items').addColumn('id', 'integer').addColumn('name', 'text').execute();
    const before = compiled;
    for (let i = 0; i < 5; i++) await db.selectFrom('items').selectAll().where('id', '=', i).execute();
    expect(compiled - before).toBe(1);
    await db.selectFrom('items').select('id').execute();
    await db.selectFrom('items').select('name').execute();
    await db.selectFrom('items').selectAll().where('id', '=', 9).execute();
    expect(compiled - before).toBe(4); // the first statement was evicted by the bound of 2
    await db.destroy();
  });
});
