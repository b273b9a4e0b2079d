// GET /v1/verify/events: the push channel that makes a verifier's in-process
// cache safe (SDK `lk.verifier()`, SPEC §7.5). A credential with tokens:verify
// holds one server-sent-events stream; after every committed change in its org
// that can alter a verify answer (on this node through change(), on other nodes
// through the PostgreSQL change listener) it receives
//   event: invalidate   data: {"orgId":…,"tokenIds":[…]}  or  {"orgId":…,"all":true}
// A stream starts with `event: ready` (from then on nothing is missed) and gets
// `event: heartbeat` when idle. Whenever this node could miss a change (its
// change listener is down) every stream is closed and new ones are refused, so
// verifiers stop trusting their caches until they are connected again; a stream
// that stops draining is closed too rather than buffered without bound.
import type { ServerResponse } from 'node:http';
import { REQUIRED_SCOPE } from '../http/openapi.js';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { resolveSession } from '../auth/credentials.js';
import type { VerifyEventsOptions } from '../config.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { ctxOf, presentedToken, sessionCookieOf } from '../http/auth.js';
import { allows, requireScope, type Grant } from '../permissions/engine.js';
import { resolveTokenCached } from './cache.js';

interface Stream {
  orgId: string;
  res: ServerResponse;
  /** The stream's own token, whose revocation ends the stream; null for a session. */
  tokenId: string | null;
  /** Whether the credential that opened the stream may still hold it. */
  stillAllowed(): Promise<boolean>;
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class VerifyEventHub {
  private readonly byOrg = new Map<string, Set<Stream>>();
  private heartbeat: NodeJS.Timeout | null = null;
  private listening = true;
  private closed = false;

  constructor(private readonly options: VerifyEventsOptions) {}

  /** Whether a stream opened now would hear every change. */
  get isOpen(): boolean {
    return this.listening && !this.closed;
  }

  get size(): number {
    let n = 0;
    for (const streams of this.byOrg.values()) n += streams.size;
    return n;
  }

  add(stream: Stream): void {
    let streams = this.byOrg.get(stream.orgId);
    if (!streams) this.byOrg.set(stream.orgId, (streams = new Set()));
    streams.add(stream);
    stream.res.on('close', () => this.remove(stream));
    this.write(stream, `retry: 1000\n${frame('ready', { orgId: stream.orgId })}`);
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  /** After a committed change (tokenIds as in db/change.ts). */
  publish(orgId: string, tokenIds?: readonly string[]): void {
    if (tokenIds !== undefined && tokenIds.length === 0) return;
    const streams = this.byOrg.get(orgId);
    if (!streams) return;
    const message = frame('invalidate', tokenIds === undefined ? { orgId, all: true } : { orgId, tokenIds });
    for (const stream of streams) {
      this.write(stream, message);
      if (tokenIds === undefined || stream.tokenId === null || tokenIds.includes(stream.tokenId)) void this.recheck(stream);
    }
  }

  /** Whether this node hears every change; while it does not, no stream is served. */
  setListening(listening: boolean): void {
    this.listening = listening;
    if (!listening) this.endAll();
  }

  /** Ends every stream (server shutdown); none is accepted afterwards. */
  close(): void {
    this.closed = true;
    this.endAll();
  }

  private remove(stream: Stream): void {
    const streams = this.byOrg.get(stream.orgId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) this.byOrg.delete(stream.orgId);
    if (this.byOrg.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  private endAll(): void {
    for (const streams of [...this.byOrg.values()]) for (const stream of [...streams]) this.end(stream);
  }

  private end(stream: Stream): void {
    this.remove(stream);
    stream.res.end();
  }

  private beat(): void {
    const message = frame('heartbeat', {});
    for (const streams of [...this.byOrg.values()]) for (const stream of [...streams]) this.write(stream, message);
  }

  private write(stream: Stream, message: string): void {
    // A reader that stopped draining would otherwise make us hold its events forever;
    // closing tells its verifier to distrust its cache and reconnect.
    if (stream.res.writableLength > this.options.maxBufferedBytes) {
      this.remove(stream);
      stream.res.destroy();
      return;
    }
    stream.res.write(message);
  }

  private async recheck(stream: Stream): Promise<void> {
    const allowed = await stream.stillAllowed().catch(() => false);
    if (!allowed) this.end(stream);
  }
}

const mayVerify = (grants: readonly Grant[]) => allows(grants, { scope: 'tokens:verify' });

/** Re-resolves the credential a stream was opened with (the token cache was invalidated before the event). */
async function credentialStillAllowed(deps: Deps, request: FastifyRequest, orgId: string): Promise<boolean> {
  const token = presentedToken(request);
  if (token !== null) {
    const resolved = await resolveTokenCached(deps, token);
    return resolved.ok && resolved.actor.org.id === orgId && mayVerify(resolved.actor.grants);
  }
  const cookie = sessionCookieOf(request);
  if (!cookie) return false;
  const session = await resolveSession(deps, cookie, orgId);
  return session.ok && session.actor !== null && mayVerify(session.actor.grants);
}

export const verifyEventRoutes: FastifyPluginAsync<{ deps: Deps; hub: VerifyEventHub }> = async (app, { deps, hub }) => {
  app.get(
    '/v1/verify/events',
    {
      schema: {
        operationId: 'subscribeVerifyEvents',
        tags: ['Verification'],
        summary: 'Stream the changes that invalidate cached verify answers',
        description:
          "Server-sent events for in-process verifiers (the SDK's verifier): which cached verify answers to drop, for the credential's own org only. Hold it open; while it is down, do not trust a cache.",
        [REQUIRED_SCOPE]: 'tokens:verify',
        response: {
          200: {
            description:
              'text/event-stream: `ready` once subscribed, `invalidate` with {orgId, tokenIds} or {orgId, all: true} after each change that can alter a verify answer, `heartbeat` when idle',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(request);
      requireScope(ctx.actor.grants, { scope: 'tokens:verify' });
      if (!hub.isOpen) {
        throw new AppError('unavailable', 'This node cannot hear every change right now; verify without a cache and retry', { headers: { 'Retry-After': '1' } });
      }
      const orgId = ctx.actor.org.id;
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
      });
      hub.add({
        orgId,
        res: reply.raw,
        tokenId: ctx.actor.credential.type === 'token' ? ctx.actor.credential.id : null,
        stillAllowed: () => credentialStillAllowed(deps, request, orgId),
      });
    },
  );
};
