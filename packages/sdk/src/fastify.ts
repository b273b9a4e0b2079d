// @latchkey/sdk/fastify: `app.register(latchkey, { verifier, scope })` guards the
// routes registered after it in the same context (register it inside a child
// context to guard only those). `request.latchkey` holds the verify answer. A
// route may set `config: { latchkey: false }` to stay public, or
// `config: { latchkey: { scope } }` to ask for another scope.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { decide, presentedToken, questionFor, type GuardOptions, type Question } from './middleware.js';
import type { VerifyResult } from './types.js';

export type { Problem, Question, VerifierLike } from './middleware.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verify answer for the request's token (set by @latchkey/sdk/fastify). */
    latchkey: VerifyResult | null;
  }
  interface FastifyContextConfig {
    /** false: no token needed on this route; an object or a scope: what this route asks instead. */
    latchkey?: false | Question;
  }
}

export type LatchkeyPluginOptions = GuardOptions<FastifyRequest>;

const plugin: FastifyPluginAsync<LatchkeyPluginOptions> = async (app, options) => {
  if (typeof options?.verifier?.verify !== 'function') throw new TypeError('@latchkey/sdk/fastify: options.verifier is required');
  const forwardIp = options.forwardIp ?? true;
  if (!app.hasRequestDecorator('latchkey')) app.decorateRequest('latchkey', null);
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.config?.latchkey;
    if (route === false) return;
    const question = route === undefined ? questionFor(options, request) : typeof route === 'string' ? { scope: route } : { ...route };
    if (forwardIp && request.ip) question.ip = request.ip;
    const outcome = await decide(options.verifier, presentedToken(request.headers.authorization, request.headers['x-api-key']), question);
    if (outcome.ok) {
      request.latchkey = outcome.result;
      return;
    }
    return reply
      .code(outcome.problem.status)
      .headers(outcome.headers)
      .type('application/problem+json')
      .send(JSON.stringify({ ...outcome.problem, requestId: String(request.id) }));
  });
};

// Not encapsulated (what fastify-plugin does): the hook applies where the plugin is registered.
Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@latchkey/sdk/fastify' });

export const latchkey = plugin;
export default plugin;
