// The dashboard (web/, a Vite build) served at `/` by the API's own process:
// hashed assets cached for a year, index.html never cached, and any other
// browser navigation outside the API answered with index.html so the SPA's
// routes survive a reload. Security headers go on every response, API included.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * `default-src 'self'` and nothing inline: the build emits only external
 * scripts and stylesheets. React sets `style` through the CSSOM, which CSP
 * allows, so charts may size their bars without 'unsafe-inline'.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** web/dist next to this package, found from src/http (tests) or dist/src/http (built). */
export function defaultDashboardDir(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'web', 'dist');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  return null;
}

/** Headers every response carries; a route that needs a looser CSP (an API reference page) may set its own. */
export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('content-security-policy')) reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Content-Type-Options', 'nosniff');
    return payload;
  });
}

/** Paths that belong to the API and machines: their 404s stay problem+json. */
const API_PATHS = /^\/(v1|mcp|healthz|readyz|metrics|docs)(\/|$|\?)/;

/** Serves the built dashboard; returns the not-found handler to use (SPA fallback, then `fallback`). */
export async function registerDashboard(
  app: FastifyInstance,
  root: string,
  fallback: (request: FastifyRequest, reply: FastifyReply) => FastifyReply,
): Promise<(request: FastifyRequest, reply: FastifyReply) => FastifyReply> {
  const indexHtml = readFileSync(path.join(root, 'index.html'));
  await app.register(async (scope) => {
    // Static files are public: the SPA signs in after it has loaded.
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), auth: 'none' } as typeof route.config;
    });
    await scope.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: false,
      serve: true,
      setHeaders: (reply, filePath) => {
        const hashed = filePath.includes(`${path.sep}assets${path.sep}`);
        reply.header('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  });
  const sendIndex = (reply: FastifyReply) => reply.code(200).type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(indexHtml);
  app.get('/', { config: { auth: 'none' }, schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  return (request, reply) => {
    const isPage = (request.method === 'GET' || request.method === 'HEAD') && !API_PATHS.test(request.url) && !request.url.startsWith('/assets/');
    if (isPage && String(request.headers.accept ?? '').includes('text/html')) return sendIndex(reply);
    return fallback(request, reply);
  };
}
