// Kysely's SQLite driver calls prepare() for every query it runs, and
// better-sqlite3 compiles the SQL afresh each time: for the token lookup that
// costs as much as running it. The query builder produces the same SQL text for
// the same query, so compiled statements are kept by text (bounded; the oldest
// go first). Kysely runs one query at a time on its one connection, so a cached
// statement is never in use twice; should one still be iterating anyway, a fresh
// one is compiled rather than failing.
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

export function withStatementCache(database: SQLite.Database, max = 500): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement?.busy) return database.prepare(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= max) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
