// The human API reference at /docs: Swagger UI (@fastify/swagger-ui, by the
// Fastify team, its assets served from node_modules: no CDN) rendering the same
// document as /v1/openapi.json. It runs under a strict Content-Security-Policy:
// the page loads only scripts and styles of its own origin and has no inline
// script. Swagger UI's stylesheet draws its icons from data: URLs, which that
// policy blocks, so the stylesheet is served with each of them moved to a file
// of its own under /docs/static/assets/.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';

/** The policy the reference is served (and tested) under; the same as the rest of the server's pages. */
export const DOCS_CSP = "default-src 'self'";

interface Asset {
  type: string;
  body: Buffer;
}

/** Decodes a data: URL's payload (base64, or percent-encoded text with CSS escapes). */
function decodeDataUrl(meta: string, payload: string): Buffer {
  if (meta.endsWith(';base64')) return Buffer.from(payload, 'base64');
  return Buffer.from(decodeURIComponent(payload.replace(/\\(.)/g, '$1')), 'utf8');
}

const EXTENSIONS: Record<string, string> = { 'image/svg+xml': 'svg', 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif' };

/**
 * Swagger UI's stylesheet with every `url(data:…)` replaced by `assets/<hash>.<ext>`
 * (relative to the stylesheet), and the files those names stand for.
 */
export function externalizeDataUrls(css: string): { css: string; assets: Map<string, Asset> } {
  const assets = new Map<string, Asset>();
  const dataUrl = /url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)"'\s]*))\s*\)/g;
  const rewritten = css.replace(dataUrl, (whole, double?: string, single?: string, bare?: string) => {
    const url = double ?? single ?? bare ?? '';
    const match = /^data:([^,]*),(.*)$/s.exec(url);
    if (!match) return whole;
    const meta = match[1]!;
    const type = meta.split(';')[0]!.trim().toLowerCase();
    const extension = EXTENSIONS[type];
    if (!extension) return whole;
    const body = decodeDataUrl(meta, match[2]!);
    const name = `${createHash('sha256').update(body).digest('hex').slice(0, 16)}.${extension}`;
    assets.set(name, { type, body });
    return `url("assets/${name}")`;
  });
  return { css: rewritten, assets };
}

function swaggerUiStylesheet(): string {
  const entry = createRequire(import.meta.url).resolve('@fastify/swagger-ui');
  return readFileSync(path.join(path.dirname(entry), 'static', 'swagger-ui.css'), 'utf8');
}

export const docsRoutes: FastifyPluginAsync = async (app) => {
  // The reference is public, like the document it renders.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, auth: 'none' };
  });
  const { css, assets } = externalizeDataUrls(swaggerUiStylesheet());
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    theme: { title: 'Latchkey API reference' },
    uiConfig: {
      // The layout without the top bar: no URL box, and no data: logo.
      layout: 'BaseLayout',
      deepLinking: true,
      // Operation ids are the SDK's method names: show them.
      displayOperationId: true,
      defaultModelsExpandDepth: 0,
      docExpansion: 'list',
      tryItOutEnabled: false,
    },
  });
  // More specific than the plugin's /docs/static/* files, so these win.
  app.get('/docs/static/swagger-ui.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('Content-Security-Policy', DOCS_CSP).type('text/css; charset=utf-8').send(css),
  );
  app.get<{ Params: { name: string } }>('/docs/static/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) return reply.callNotFound();
    return reply.header('Content-Security-Policy', DOCS_CSP).header('Cache-Control', 'public, max-age=86400').type(asset.type).send(asset.body);
  });
};
