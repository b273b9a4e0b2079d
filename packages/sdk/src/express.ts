// @latchkey/sdk/express: `app.get('/x', requireToken({ verifier, scope }), handler)`
// or `app.use(requireToken(…))`. `req.latchkey` holds the verify answer.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { decide, presentedToken, questionFor, type GuardOptions } from './middleware.js';
import type { VerifyResult } from './types.js';

export type { Problem, Question, VerifierLike } from './middleware.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The verify answer for the request's token (set by requireToken). */
    latchkey?: VerifyResult;
  }
}

export type RequireTokenOptions = GuardOptions<Request>;

export function requireToken(options: RequireTokenOptions): RequestHandler {
  if (typeof options?.verifier?.verify !== 'function') throw new TypeError('@latchkey/sdk/express: options.verifier is required');
  const forwardIp = options.forwardIp ?? true;
  return (req: Request, res: Response, next: NextFunction) => {
    const question = questionFor(options, req);
    if (forwardIp && req.ip) question.ip = req.ip;
    decide(options.verifier, presentedToken(req.headers.authorization, req.headers['x-api-key']), question).then((outcome) => {
      if (outcome.ok) {
        req.latchkey = outcome.result;
        next();
        return;
      }
      res.status(outcome.problem.status).set(outcome.headers).type('application/problem+json').send(JSON.stringify(outcome.problem));
    }, next);
  };
}
