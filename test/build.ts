// Tests that run the real `latchkey` command (or the built SDK) need dist/ to
// match src/: this builds both (`npm run build`: the SDK first, whose types the
// server's build reads) when any source is newer, once across the test processes
// running side by side (a lock directory keeps two builds apart).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'bin', 'latchkey.js');
const BUILT = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const SDK = path.join(ROOT, 'packages', 'sdk');
const SDK_BUILT = path.join(SDK, 'dist', 'index.js');
const LOCK = path.join(ROOT, 'dist', '.build-lock');

function newestSource(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function builtAt(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

function isSdkBuilt(): boolean {
  return builtAt(SDK_BUILT) >= newestSource(path.join(SDK, 'src'));
}

function isBuilt(): boolean {
  return isSdkBuilt() && builtAt(BUILT) >= Math.max(newestSource(path.join(ROOT, 'src')), newestSource(path.join(ROOT, 'bench')), builtAt(SDK_BUILT));
}

export async function ensureBuilt(): Promise<void> {
  for (const started = Date.now(); !isBuilt(); ) {
    mkdirSync(path.dirname(LOCK), { recursive: true });
    try {
      mkdirSync(LOCK);
    } catch {
      // Someone else is building; a lock older than two minutes is a crashed build's.
      const lock = statSync(LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() - started > 180_000) throw new Error('gave up waiting for another process to build dist/');
      await sleep(200);
      continue;
    }
    try {
      if (isBuilt()) return;
      const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      for (const project of [path.join(SDK, 'tsconfig.json'), 'tsconfig.build.json']) {
        if (project !== 'tsconfig.build.json' && isSdkBuilt()) continue;
        // Asynchronously: a build of a minute must not block the test worker (its runner stops waiting).
        await promisify(execFile)(process.execPath, [tsc, '-p', project], { cwd: ROOT, encoding: 'utf8' }).catch((error: { stdout?: string; stderr?: string }) => {
          throw new Error(`npm run build failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
        });
      }
      return;
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
