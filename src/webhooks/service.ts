// Webhook endpoints: register (the signing secret is returned once), list, read,
// change, delete, and each endpoint's deliveries. Rules live here; routes adapt.
import type { Ctx, Deps } from '../deps.js';
import type { WebhookDeliveriesTable, WebhooksTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import { auditActorOf, recordEvent } from '../audit/record.js';
import { requireScope } from '../permissions/engine.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageRequest } from '../pagination.js';
import { newId } from '../random.js';
import { assertDestinationAllowed } from './destination.js';
import { newSigningSecret, sealSecret } from './signing.js';

/** Endpoints per org: enough for any real set-up, bounded so one org cannot fan every event out without end. */
export const MAX_WEBHOOKS_PER_ORG = 25;

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  status: 'active' | 'disabled';
  createdAt: string;
  createdBy: { type: string; id: string | null };
  failingSince: string | null;
  disabledAt: string | null;
  disabledReason: string | null;
}

export interface CreatedWebhook extends WebhookView {
  /** The signing secret: returned once, here. */
  secret: string;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  type: string;
  status: WebhookDeliveriesTable['status'];
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
}

export function toWebhookView(row: WebhooksTable): WebhookView {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    status: row.status,
    createdAt: row.created_at,
    createdBy: { type: row.created_by_type, id: row.created_by_id },
    failingSince: row.failing_since,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
  };
}

function toDeliveryView(row: WebhookDeliveriesTable): DeliveryView {
  return {
    id: row.id,
    eventId: row.event_id,
    type: row.event_type,
    status: row.status,
    attempts: Number(row.attempts),
    createdAt: row.created_at,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    lastAttemptAt: row.last_attempt_at,
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
  };
}

/** Patterns once each, in the order given. */
function normaliseEvents(events: string[]): string[] {
  return [...new Set(events)];
}

export interface WebhookInput {
  url: string;
  events: string[];
}

export async function createWebhook(deps: Deps, ctx: Ctx, input: WebhookInput): Promise<CreatedWebhook> {
  const { actor } = ctx;
  requireScope(actor.grants, { scope: 'webhooks:manage' });
  const url = await assertDestinationAllowed(input.url, deps.config.webhooks.allowPrivateNetworks);
  const secret = newSigningSecret();
  const now = deps.clock.now();
  const credential = actor.credential;
  const row: WebhooksTable = {
    id: newId('whk', now),
    org_id: actor.org.id,
    url: url.toString(),
    events: JSON.stringify(normaliseEvents(input.events)),
    secret: sealSecret(deps.hasher, secret),
    status: 'active',
    created_at: now.toISOString(),
    created_by_type: credential.type === 'token' ? 'token' : 'user',
    created_by_id: credential.type === 'token' ? credential.id : actor.principal.id,
    failing_since: null,
    disabled_at: null,
    disabled_reason: null,
    deleted_at: null,
  };
  await deps.db.transaction().execute(async (trx) => {
    const { count } = await trx
      .selectFrom('webhooks')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('org_id', '=', actor.org.id)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(count) >= MAX_WEBHOOKS_PER_ORG) {
      throw new AppError('webhook_limit_reached', `An organization may have at most ${MAX_WEBHOOKS_PER_ORG} webhook endpoints`);
    }
    await trx.insertInto('webhooks').values(row).execute();
    await recordEvent(trx, deps.hasher, now, actor.org.id, auditActorOf(actor), ctx, {
      action: 'webhook.created',
      targetType: 'webhook',
      targetId: row.id,
      metadata: { url: row.url, events: JSON.parse(row.events) as string[] },
    });
  });
  return { ...toWebhookView(row), secret };
}

export async function listWebhooks(deps: Deps, ctx: Ctx, query: PageRequest): Promise<Page<WebhookView>> {
  requireScope(ctx.actor.grants, { scope: 'webhooks:read' });
  const limit = pageLimit(query);
  const after = decodeCursor(query.cursor);
  let q = deps.db.selectFrom('webhooks').selectAll().where('org_id', '=', ctx.actor.org.id).where('deleted_at', 'is', null);
  if (after) q = q.where('id', '<', after);
  const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
  return toPage(rows, limit, toWebhookView);
}

async function loadWebhook(deps: Deps, ctx: Ctx, id: string): Promise<WebhooksTable> {
  const row = await deps.db
    .selectFrom('webhooks')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', ctx.actor.org.id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No webhook ${id}`);
  return row;
}

export async function getWebhook(deps: Deps, ctx: Ctx, id: string): Promise<WebhookView> {
  requireScope(ctx.actor.grants, { scope: 'webhooks:read' });
  return toWebhookView(await loadWebhook(deps, ctx, id));
}

export interface WebhookPatch {
  url?: string | undefined;
  events?: string[] | undefined;
  /** `active` re-enables an endpoint that was disabled after a day of failures. */
  status?: 'active' | 'disabled' | undefined;
}

export async function updateWebhook(deps: Deps, ctx: Ctx, id: string, patch: WebhookPatch): Promise<WebhookView> {
  requireScope(ctx.actor.grants, { scope: 'webhooks:manage' });
  const row = await loadWebhook(deps, ctx, id);
  const url = patch.url === undefined ? row.url : (await assertDestinationAllowed(patch.url, deps.config.webhooks.allowPrivateNetworks)).toString();
  const events = patch.events === undefined ? row.events : JSON.stringify(normaliseEvents(patch.events));
  const status = patch.status ?? row.status;
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const next: WebhooksTable = {
    ...row,
    url,
    events,
    status,
    ...(status === 'active' && row.status === 'disabled' ? { failing_since: null, disabled_at: null, disabled_reason: null } : {}),
    ...(status === 'disabled' && row.status === 'active' ? { disabled_at: nowIso, disabled_reason: 'disabled by a person' } : {}),
  };
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('webhooks')
      .set({ url: next.url, events: next.events, status: next.status, failing_since: next.failing_since, disabled_at: next.disabled_at, disabled_reason: next.disabled_reason })
      .where('id', '=', row.id)
      .execute();
    await recordEvent(trx, deps.hasher, now, row.org_id, auditActorOf(ctx.actor), ctx, {
      action: 'webhook.updated',
      targetType: 'webhook',
      targetId: row.id,
      metadata: { from: { url: row.url, events: JSON.parse(row.events) as string[], status: row.status }, to: { url, events: JSON.parse(events) as string[], status } },
    });
  });
  return toWebhookView(next);
}

/** Deletes an endpoint; deliveries still queued for it are cancelled. */
export async function deleteWebhook(deps: Deps, ctx: Ctx, id: string): Promise<WebhookView> {
  requireScope(ctx.actor.grants, { scope: 'webhooks:manage' });
  const row = await loadWebhook(deps, ctx, id);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    const deleted = await trx.updateTable('webhooks').set({ deleted_at: now.toISOString() }).where('id', '=', row.id).where('deleted_at', 'is', null).executeTakeFirst();
    if (Number(deleted.numUpdatedRows) === 0) throw new AppError('not_found', `No webhook ${id}`);
    await trx.updateTable('webhook_deliveries').set({ status: 'cancelled' }).where('webhook_id', '=', row.id).where('status', '=', 'pending').execute();
    await recordEvent(trx, deps.hasher, now, row.org_id, auditActorOf(ctx.actor), ctx, {
      action: 'webhook.deleted',
      targetType: 'webhook',
      targetId: row.id,
      metadata: { url: row.url },
    });
  });
  return toWebhookView(row);
}

export interface DeliveriesQuery extends PageRequest {
  status?: WebhookDeliveriesTable['status'] | undefined;
}

export async function listDeliveries(deps: Deps, ctx: Ctx, id: string, query: DeliveriesQuery): Promise<Page<DeliveryView>> {
  requireScope(ctx.actor.grants, { scope: 'webhooks:read' });
  await loadWebhook(deps, ctx, id);
  const limit = pageLimit(query);
  const after = decodeCursor(query.cursor);
  let q = deps.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', id).where('org_id', '=', ctx.actor.org.id);
  if (after) q = q.where('id', '<', after);
  if (query.status) q = q.where('status', '=', query.status);
  const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
  return toPage(rows, limit, toDeliveryView);
}
