// /docs, the human API reference: served from this server only (no CDN), public,
// rendered from the same document as /v1/openapi.json, and working under the
// server's Content-Security-Policy (default-src 'self', no inline script). A real
// headless Chromium renders it and must report no policy violation. SQLite only:
// the page does not depend on the database.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const get = (url: string) => t.app.inject({ method: 'GET', url });

function operationCount(doc: { paths: Record<string, Record<string, unknown>> }): number {
  return Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
}

describe('/docs over HTTP', () => {
  it('is public HTML under the strict policy, with no inline script or style, loading only its own files', async () => {
    const page = await get('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const html = page.body;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers
    const references = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(references.length).toBeGreaterThan(3);
    for (const reference of references) {
      expect(reference, 'same origin, no CDN').not.toMatch(/^(https?:)?\/\//);
      const res = await get(reference.startsWith('/') ? reference : `/docs/${reference}`);
      expect(res.statusCode, reference).toBe(200);
    }
  });

  it('renders the same document as /v1/openapi.json', async () => {
    const served = await get('/docs/json');
    expect(served.statusCode).toBe(200);
    expect(served.json()).toEqual((await get('/v1/openapi.json')).json());
  });

  it("serves Swagger UI's stylesheet without data: URLs, its icons as files of their own", async () => {
    const css = await get('/docs/static/swagger-ui.css');
    expect(css.statusCode).toBe(200);
    expect(css.body).not.toMatch(/url\(\s*["']?data:/);
    const assets = [...new Set([...css.body.matchAll(/url\("(assets\/[^"]+)"\)/g)].map((m) => m[1]!))];
    expect(assets.length).toBeGreaterThan(5);
    for (const asset of assets) {
      const res = await get(`/docs/static/${asset}`);
      expect(res.statusCode, asset).toBe(200);
      expect(res.headers['content-type']).toMatch(/^image\//);
    }
    const svg = await get(`/docs/static/${assets.find((a) => a.endsWith('.svg'))}`);
    expect(svg.body).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect((await get('/docs/static/assets/nothing.svg')).statusCode).toBe(404);
  });
});

/** A Chromium on this machine: LATCHKEY_CHROMIUM, or a usual install path. */
const chromium = [process.env.LATCHKEY_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(
  (candidate): candidate is string => typeof candidate === 'string' && existsSync(candidate),
);
if (!chromium) {
  // .ci/run installs Chromium and sets LATCHKEY_REQUIRE_BROWSER, so CI never skips this.
  if (process.env.LATCHKEY_REQUIRE_BROWSER) throw new Error('LATCHKEY_REQUIRE_BROWSER is set but no Chromium was found (set LATCHKEY_CHROMIUM)');
  console.warn('/docs browser check skipped: no Chromium found (set LATCHKEY_CHROMIUM to run it)');
}

/** Loads a page in headless Chromium; returns the DOM after scripts ran and what the console said. */
async function render(url: string): Promise<{ dom: string; console: string[] }> {
  const profile = mkdtempSync(path.join(tmpdir(), 'latchkey-chromium-'));
  try {
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', '--virtual-time-budget=20000', '--dump-dom', url];
    const child = spawn(chromium!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let dom = '';
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (dom += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`chromium exited with ${code}: ${log.slice(-2000)}`);
    return { dom, console: log.split('\n').filter((line) => line.includes('CONSOLE')) };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe.skipIf(!chromium)('/docs in a browser', () => {
  let base: string;
  beforeAll(async () => {
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });

  // One page load (Chromium is slow to start on a busy machine): the list of every
  // operation, with one of them opened by its link.
  it('renders every operation with its operationId, opens one by its link, and breaks no rule of the policy', async () => {
    const expected = operationCount((await get('/v1/openapi.json')).json());
    const { dom, console } = await render(`${base}/docs/#/Org-wide%20tokens/createToken`);
    const ids = [...dom.matchAll(/class="opblock-summary-operation-id"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(ids).toHaveLength(expected);
    expect(ids).toEqual(expect.arrayContaining(['listApiTokens', 'createToken', 'verifyToken']));
    expect(dom).toContain('Needs the scope <code>tokens:admin</code>');
    expect(dom).toMatch(/body-param__example[\s\S]*integration/);
    expect(console.filter((line) => /Content Security Policy|Refused to/i.test(line))).toEqual([]);
  });
});
