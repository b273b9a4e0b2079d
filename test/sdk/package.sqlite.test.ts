// @latchkey/sdk as a user installs it: its runtime dependency tree holds no
// native module, no install script and none of the server's packages; the built
// entry points load with plain Node from the root's workspace link, and the
// core entry point does not pull in a web framework. (Database-independent:
// SQLite project only.)
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../build.js';

const SDK = path.join(ROOT, 'packages', 'sdk');
const SERVER_PACKAGES = ['better-sqlite3', 'pg', 'kysely', 'fastify', 'express', '@fastify/swagger', 'pino'];

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  scripts?: Record<string, string>;
  gypfile?: boolean;
  exports?: Record<string, unknown>;
}

const manifest = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;

/** Where Node would find `name` from `dir`: the nearest node_modules up the tree. */
function resolvePackage(name: string, from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === path.dirname(dir)) throw new Error(`${name} is not installed (needed from ${from})`);
  }
}

function hasNativeFiles(dir: string): string | null {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = hasNativeFiles(full);
      if (found) return found;
    } else if (entry.name.endsWith('.node') || entry.name === 'binding.gyp') return full;
  }
  return null;
}

/** Every package the SDK needs at run time, transitively. */
function runtimeTree(): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (dir: string) => {
    for (const name of Object.keys(manifest(dir).dependencies ?? {})) {
      const found = resolvePackage(name, dir);
      if (seen.has(name)) continue;
      seen.set(name, found);
      visit(found);
    }
  };
  visit(SDK);
  return seen;
}

describe('@latchkey/sdk package', () => {
  it('has no native module, install script or server package in its runtime dependency tree', () => {
    const tree = runtimeTree();
    expect(tree.size).toBeGreaterThan(0);
    for (const [name, dir] of tree) {
      const pkg = manifest(dir);
      expect(SERVER_PACKAGES, name).not.toContain(name);
      expect(pkg.gypfile, `${name} builds native code`).not.toBe(true);
      for (const script of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts?.[script], `${name} runs ${script}`).toBeUndefined();
      expect(hasNativeFiles(dir), `${name} ships native code`).toBeNull();
    }
  });

  it('declares fastify and express as optional peers only', () => {
    const pkg = manifest(SDK);
    expect(Object.keys(pkg.dependencies ?? {})).not.toEqual(expect.arrayContaining(['fastify']));
    expect(Object.keys(pkg.dependencies ?? {})).not.toEqual(expect.arrayContaining(['express']));
    expect(pkg.peerDependenciesMeta).toEqual({ express: { optional: true }, fastify: { optional: true } });
    expect(Object.keys(pkg.exports ?? {})).toEqual(['.', './fastify', './express', './package.json']);
  });

  describe('built', () => {
    beforeAll(() => ensureBuilt(), 300_000);

    it('loads from the root through the workspace link, with declarations next to each entry point', async () => {
      expect(statSync(path.join(ROOT, 'node_modules', '@latchkey', 'sdk')).isDirectory()).toBe(true);
      for (const entry of ['index', 'fastify', 'express']) expect(existsSync(path.join(SDK, 'dist', `${entry}.d.ts`)), entry).toBe(true);
      const script = `
        const sdk = await import('@latchkey/sdk');
        const f = await import('@latchkey/sdk/fastify');
        const e = await import('@latchkey/sdk/express');
        console.log(JSON.stringify({ sdk: Object.keys(sdk).sort(), fastify: typeof f.latchkey, express: typeof e.requireToken }));
      `;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
      const out = JSON.parse(stdout) as { sdk: string[]; fastify: string; express: string };
      expect(out.sdk).toEqual(expect.arrayContaining(['Latchkey', 'LatchkeyError', 'List', 'Verifier']));
      expect(out).toMatchObject({ fastify: 'function', express: 'function' });
    });

    it('the core entry point imports no web framework (middleware types are erased)', () => {
      for (const file of readdirSync(path.join(SDK, 'dist')).filter((f) => f.endsWith('.js'))) {
        const text = readFileSync(path.join(SDK, 'dist', file), 'utf8');
        expect(text, file).not.toMatch(/from ['"](fastify|express|pg|better-sqlite3|kysely)['"]/);
      }
    });
  });
});
