// Migrations, written once with Kysely's schema builder so they run unchanged on
// SQLite and PostgreSQL. Append only: never edit a migration that has shipped.
// Every text column is declared with `text` (below), never the string 'text'.
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName } from './connect.js';

/**
 * Text that compares byte by byte on both databases, as SQLite's default does:
 * on PostgreSQL, collation "C" whatever the cluster's locale. Ids must sort in
 * SQL as they do in JavaScript (cursors compare them with `<`, and ids made in
 * one millisecond sort in creation order), and an en_US database puts 'a'
 * before 'B'; names and emails then sort the same on both databases too.
 */
type ColumnType = ColumnDataType | Expression<unknown>;

function textType(dialect: DialectName): ColumnType {
  return dialect === 'postgres' ? sql`text collate "C"` : 'text';
}

const migrations = (text: ColumnType): Record<string, Migration> => ({
  '0001_core': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('orgs')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('plan', text, (c) => c.notNull())
        .addColumn('policy', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('audit_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('audit_head', text)
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('email', text, (c) => c.notNull().unique())
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('password_hash', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('memberships')
        .addColumn('org_id', text, (c) => c.notNull().references('orgs.id'))
        .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
        .addColumn('role', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['org_id', 'user_id'])
        .execute();
      await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();

      await db.schema
        .createTable('invitations')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('org_id', text, (c) => c.notNull().references('orgs.id'))
        .addColumn('email', text, (c) => c.notNull())
        .addColumn('role', text, (c) => c.notNull())
        .addColumn('token_hash', text, (c) => c.notNull().unique())
        .addColumn('invited_by', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('expires_at', text, (c) => c.notNull())
        .addColumn('accepted_at', text)
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
        .addColumn('secret_hash', text, (c) => c.notNull().unique())
        .addColumn('org_id', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('expires_at', text, (c) => c.notNull())
        .addColumn('ip', text)
        .addColumn('user_agent', text)
        .execute();

      await db.schema
        .createTable('tokens')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('org_id', text, (c) => c.notNull().references('orgs.id'))
        .addColumn('kind', text, (c) => c.notNull())
        .addColumn('owner_user_id', text)
        .addColumn('service_account_id', text)
        .addColumn('role', text)
        .addColumn('owner_key', text, (c) => c.notNull())
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('prefix', text, (c) => c.notNull())
        .addColumn('grants', text)
        .addColumn('expires_at', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('created_by_type', text, (c) => c.notNull())
        .addColumn('created_by_id', text)
        .addColumn('parent_token_id', text)
        .addColumn('revoked_at', text)
        .addColumn('rolled_at', text)
        .addColumn('last_used_at', text)
        .addColumn('last_used_ip', text)
        .addColumn('last_user_agent', text)
        .execute();
      await db.schema.createIndex('tokens_org').on('tokens').columns(['org_id', 'id']).execute();
      await db.schema.createIndex('tokens_owner_user').on('tokens').columns(['owner_user_id', 'org_id']).execute();
      // Names are unique per owner among tokens that are not revoked.
      await db.schema
        .createIndex('tokens_live_name')
        .on('tokens')
        .columns(['org_id', 'owner_key', 'name'])
        .unique()
        .where(sql.ref('revoked_at'), 'is', null)
        .execute();

      await db.schema
        .createTable('token_secrets')
        .addColumn('hash', text, (c) => c.primaryKey())
        .addColumn('token_id', text, (c) => c.notNull().references('tokens.id'))
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('retired_at', text)
        .addColumn('valid_until', text)
        .execute();
      await db.schema.createIndex('token_secrets_token').on('token_secrets').column('token_id').execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('org_id', text, (c) => c.notNull().references('orgs.id'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('actor_type', text, (c) => c.notNull())
        .addColumn('actor_id', text)
        .addColumn('actor_name', text)
        .addColumn('actor_prefix', text)
        .addColumn('actor_user_id', text)
        .addColumn('action', text, (c) => c.notNull())
        .addColumn('target_type', text)
        .addColumn('target_id', text)
        .addColumn('request_id', text)
        .addColumn('ip', text)
        .addColumn('user_agent', text)
        .addColumn('metadata', text, (c) => c.notNull())
        .addColumn('prev_hash', text)
        .addColumn('hash', text, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_org_seq').on('audit_events').columns(['org_id', 'seq']).unique().execute();
      await db.schema.createIndex('audit_events_org_id').on('audit_events').columns(['org_id', 'id']).execute();
    },
  },
  '0002_teams_service_accounts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('teams')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('org_id', text, (c) => c.notNull().references('orgs.id'))
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('teams_org_name').on('teams').columns(['org_id', 'name']).unique().execute();

      await db.schema
        .createTable('team_members')
        .addColumn('team_id', text, (c) => c.notNull().references('teams.id'))
        .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
        .addColumn('org_id', text, (c) => c.notNull())
        .addColumn('scopes', text, (c) => c.notNull())
        .addColumn('resources', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
        .execute();
      await db.schema.createIndex('team_members_user').on('team_members').columns(['org_id', 'user_id']).execute();

      await db.schema
        .createTable('token_attachments')
        .addColumn('token_id', text, (c) => c.notNull().references('tokens.id'))
        .addColumn('team_id', text, (c) => c.notNull().references('teams.id'))
        .addColumn('org_id', text, (c) => c.notNull())
        .addColumn('scopes', text, (c) => c.notNull())
        .addColumn('resources', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('token_attachments_pk', ['token_id', 'team_id'])
        .execute();
      await db.schema.createIndex('token_attachments_team').on('token_attachments').columns(['team_id']).execute();

      await db.schema
        .createTable('service_accounts')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('org_id', text, (c) => c.notNull().references('orgs.id'))
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('scopes', text, (c) => c.notNull())
        .addColumn('resources', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .addColumn('deleted_at', text)
        .execute();
      await db.schema
        .createIndex('service_accounts_live_name')
        .on('service_accounts')
        .columns(['org_id', 'name'])
        .unique()
        .where(sql.ref('deleted_at'), 'is', null)
        .execute();

      // A token issued by a team belongs to it (and dies with it).
      await db.schema.alterTable('tokens').addColumn('team_id', text).execute();
    },
  },
  '0003_audit_target_index': {
    async up(db: Kysely<unknown>) {
      // Events about one token: filters by target or token, expired-on-use recorded once per token.
      await db.schema.createIndex('audit_events_target').on('audit_events').columns(['target_id', 'action']).execute();
    },
  },
  '0020_leak_response': {
    async up(db: Kysely<unknown>) {
      // Per-token limits (JSON, null = none), why a token was revoked, and
      // whether it waits for an admin's approval (org policy requireApproval).
      await db.schema.alterTable('tokens').addColumn('allowed_ips', text).execute();
      await db.schema.alterTable('tokens').addColumn('rate_limit', text).execute();
      await db.schema.alterTable('tokens').addColumn('revoked_reason', text).execute();
      await db.schema.alterTable('tokens').addColumn('approval', text).execute();
      // Revoking a token revokes the tokens it minted (provenance), found by parent.
      await db.schema.createIndex('tokens_parent').on('tokens').columns(['parent_token_id']).execute();
    },
  },
  '0030_webhooks': {
    async up(db: Kysely<unknown>) {
      // Endpoints an org registered; the signing secret is stored encrypted under a
      // key derived from the pepper (it must be usable to sign, so it cannot be hashed).
      await db.schema
        .createTable('webhooks')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('org_id', text, (c) => c.notNull().references('orgs.id'))
        .addColumn('url', text, (c) => c.notNull())
        .addColumn('events', text, (c) => c.notNull())
        .addColumn('secret', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('created_by_type', text, (c) => c.notNull())
        .addColumn('created_by_id', text)
        .addColumn('failing_since', text)
        .addColumn('disabled_at', text)
        .addColumn('disabled_reason', text)
        .addColumn('deleted_at', text)
        .execute();
      await db.schema.createIndex('webhooks_org').on('webhooks').columns(['org_id', 'id']).execute();

      // The outbox: one row per (event, endpoint), written in the transaction that
      // recorded the event, claimed by one node at a time (claimed_until is a lease).
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('webhook_id', text, (c) => c.notNull().references('webhooks.id'))
        .addColumn('org_id', text, (c) => c.notNull())
        .addColumn('event_id', text, (c) => c.notNull())
        .addColumn('event_type', text, (c) => c.notNull())
        .addColumn('payload', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('next_attempt_at', text, (c) => c.notNull())
        .addColumn('claimed_until', text)
        .addColumn('claimed_by', text)
        .addColumn('last_attempt_at', text)
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', text)
        .addColumn('delivered_at', text)
        .execute();
      await db.schema.createIndex('webhook_deliveries_webhook').on('webhook_deliveries').columns(['webhook_id', 'id']).execute();
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').columns(['webhook_id', 'event_id']).unique().execute();
    },
  },
  '0031_token_expiry_warnings': {
    async up(db: Kysely<unknown>) {
      // One row per token and threshold (60/30/7 days) already warned about: the
      // primary key makes the warning once-only across restarts and nodes.
      await db.schema
        .createTable('token_expiry_warnings')
        .addColumn('token_id', text, (c) => c.notNull().references('tokens.id'))
        .addColumn('threshold_days', 'integer', (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('token_expiry_warnings_pk', ['token_id', 'threshold_days'])
        .execute();
    },
  },
  '0010_token_usage': {
    async up(db: Kysely<unknown>) {
      // Uses per token per UTC day, and the IPs a token was last used from:
      // written by the batched last-use flush, read by GET …/usage.
      await db.schema
        .createTable('token_usage_daily')
        .addColumn('token_id', text, (c) => c.notNull())
        .addColumn('day', text, (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('token_usage_daily_pk', ['token_id', 'day'])
        .execute();
      await db.schema
        .createTable('token_usage_ips')
        .addColumn('token_id', text, (c) => c.notNull())
        .addColumn('ip', text, (c) => c.notNull())
        .addColumn('last_at', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('token_usage_ips_pk', ['token_id', 'ip'])
        .execute();
      await db.schema.createIndex('token_usage_ips_recent').on('token_usage_ips').columns(['token_id', 'last_at']).execute();
    },
  },
});

export function migrationProvider(dialect: DialectName): MigrationProvider {
  return { getMigrations: async () => migrations(textType(dialect)) };
}
