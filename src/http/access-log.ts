// One access-log line per request, written when the response is done: what an
// operator needs to follow a request (method, route, status, duration, request
// id, the credential's display prefix) and nothing secret. Fastify's own two
// lines per request (incoming + completed, ~480 bytes) are turned off in
// buildApp; they cost a fifth of the verify endpoint's throughput.
//
// `accessLog.sampleRate` (LATCHKEY_ACCESS_LOG: `on`, `off` or a ratio such as
// `0.01`) thins out ordinary lines; server errors and slow requests
// (`accessLog.slowMs`, LATCHKEY_SLOW_REQUEST_MS) are always written.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessLogOptions } from '../config.js';
import { redactTokens } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The problem code a failed request answered with, for its access-log line. */
    problemCode?: string;
  }
}

export function accessLogHook(options: AccessLogOptions, random: () => number = Math.random) {
  const { sampleRate, slowMs } = options;
  return function logRequest(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    const always = status >= 500 || ms >= slowMs;
    if (!always && (sampleRate <= 0 || (sampleRate < 1 && random() >= sampleRate))) return done();
    const credential = request.actor?.credential;
    // request.log already carries reqId.
    const line = {
      method: request.method,
      // The route's pattern, not the URL: ids stay out of it and it groups well.
      route: request.routeOptions.url ?? redactTokens(request.url.split('?')[0] ?? ''),
      status,
      ms: Math.round(ms * 100) / 100,
      ip: request.ip,
      token: credential?.type === 'token' ? credential.prefix : undefined,
      code: request.problemCode,
    };
    if (status >= 500) request.log.error(line, 'request');
    else if (ms >= slowMs) request.log.warn(line, 'slow request');
    else request.log.info(line, 'request');
    done();
  };
}
