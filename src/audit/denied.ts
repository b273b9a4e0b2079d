// Denied attempts (config audit.recordDenied): a request refused with 403 is
// recorded as `access.denied`, with the credential as the actor, so an operator
// can see what a token tried but was not allowed to do.
import type { Ctx, Deps } from '../deps.js';
import type { AppError } from '../errors.js';
import { auditAction, auditActorOf, recordEvent } from './record.js';

export interface DeniedAttempt {
  method: string;
  /** The route pattern (`/v1/teams/:id`), not the URL: nothing the client typed into a path is stored. */
  route: string;
  targetId: string | null;
}

export async function recordDenied(deps: Deps, ctx: Ctx, attempt: DeniedAttempt, error: AppError): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction().execute((trx) =>
    recordEvent(trx, deps.hasher, now, ctx.actor.org.id, auditActorOf(ctx.actor), ctx, {
      action: auditAction(deps.config, 'access.denied'),
      targetType: null,
      targetId: attempt.targetId,
      metadata: { method: attempt.method, route: attempt.route, code: error.code, detail: error.message },
    }),
  );
}
