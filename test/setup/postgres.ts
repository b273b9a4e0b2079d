// Global setup of the `postgres` test project: one fresh database for the run
// (each test app then gets its own schema in it), dropped when the run ends.
import type { TestProject } from 'vitest/node';
import { createDatabase, dropDatabase, dropStaleDatabases, TEST_DATABASE_URL_VARIABLE } from '../postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's PostgreSQL database (postgres project only). */
    postgresRunUrl: string;
    /** The server URL the run was given, for tests that need databases of their own. */
    postgresBaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const baseUrl = process.env[TEST_DATABASE_URL_VARIABLE];
  if (!baseUrl) throw new Error(`the postgres project needs ${TEST_DATABASE_URL_VARIABLE}`);
  await dropStaleDatabases(baseUrl);
  const runUrl = await createDatabase(baseUrl, 'run');
  project.provide('postgresRunUrl', runUrl);
  project.provide('postgresBaseUrl', baseUrl);
  return () => dropDatabase(baseUrl, runUrl);
}
