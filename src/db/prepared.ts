// Queries on the verification path are built once per database and then run with
// new parameter values: building a query with Kysely costs about as much as
// running it on SQLite. The builder is given placeholder values; the compiled
// SQL is the same for any value, so only the parameter list changes.
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './schema.js';

const compiled = new WeakMap<Kysely<Database>, Map<string, CompiledQuery<unknown>>>();

/**
 * Runs the query `build` makes, compiled once per database under `name`.
 * `params` replace the builder's placeholder values, in the order they appear.
 */
export async function runPrepared<Row>(db: Kysely<Database>, name: string, build: (db: Kysely<Database>) => Compilable<Row>, params: unknown[]): Promise<Row[]> {
  let byName = compiled.get(db);
  if (byName === undefined) {
    byName = new Map();
    compiled.set(db, byName);
  }
  let query = byName.get(name) as CompiledQuery<Row> | undefined;
  if (query === undefined) {
    query = build(db).compile();
    if (query.parameters.length !== params.length) {
      throw new Error(`prepared query ${name} has ${query.parameters.length} parameters, given ${params.length}`);
    }
    byName.set(name, query as CompiledQuery<unknown>);
  }
  const result = await db.executeQuery<Row>(CompiledQuery.raw(query.sql, params) as CompiledQuery<Row>);
  return result.rows;
}
