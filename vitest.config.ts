import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// `npm test` runs the whole suite twice: on SQLite, and on PostgreSQL when
// LATCHKEY_TEST_DATABASE_URL names a server (a role that may create databases).
// Tests never ask which: createTestApp() reads LATCHKEY_TEST_DIALECT. Files that
// only make sense on one database say so in their name or folder:
//   *.sqlite.test.ts  SQLite only (they read the data directory's files)
//   test/multinode/   PostgreSQL only (several processes on one database)
const postgresUrl = process.env.LATCHKEY_TEST_DATABASE_URL;
const include = ['test/**/*.test.ts', 'src/**/*.test.ts'];
const sqliteOnly = ['**/*.sqlite.test.ts'];
const postgresOnly = ['test/multinode/**'];

// Tests import '@latchkey/sdk' from its sources (as typecheck does, through the
// package's `latchkey-source` export condition), so they never run a stale build.
const sdkSource = fileURLToPath(new URL('./packages/sdk/src/', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@latchkey\/sdk$/, replacement: `${sdkSource}index.ts` },
      { find: /^@latchkey\/sdk\/(fastify|express)$/, replacement: `${sdkSource}$1.ts` },
    ],
  },
  test: {
    include,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          exclude: [...configDefaults.exclude, ...postgresOnly],
          env: { LATCHKEY_TEST_DIALECT: 'sqlite' },
          // Says, once, when the PostgreSQL run is left out.
          globalSetup: ['test/setup/sqlite.ts'],
        },
      },
      ...(postgresUrl
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                exclude: [...configDefaults.exclude, ...sqliteOnly],
                env: { LATCHKEY_TEST_DIALECT: 'postgres' },
                globalSetup: ['test/setup/postgres.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
