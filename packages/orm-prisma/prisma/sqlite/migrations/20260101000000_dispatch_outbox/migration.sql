-- The Dispatch outbox (@dispatch/orm-prisma), the same table as `dispatch migrate` creates.
CREATE TABLE IF NOT EXISTS "outbox_events" (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id VARCHAR(128) NOT NULL UNIQUE,
  spec_version VARCHAR(16) NOT NULL,
  event_type VARCHAR(255) NOT NULL,
  source TEXT NOT NULL,
  subject TEXT NULL,
  data_content_type VARCHAR(255) NOT NULL,
  data_schema TEXT NULL,
  data TEXT NULL,
  ordering_key VARCHAR(255) NULL,
  extensions TEXT NOT NULL,
  fields TEXT NOT NULL,
  backend VARCHAR(255) NOT NULL,
  max_retries INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  status VARCHAR(16) NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  available_at INTEGER NOT NULL,
  published_at INTEGER NULL,
  updated_at INTEGER NOT NULL,
  last_error TEXT NULL,
  history TEXT NOT NULL DEFAULT '[]',
  locked_until INTEGER NULL,
  lease_owner VARCHAR(255) NULL
);

CREATE INDEX IF NOT EXISTS "outbox_events_due_idx" ON "outbox_events" (seq) WHERE status IN ('pending', 'retry', 'processing');

CREATE INDEX IF NOT EXISTS "outbox_events_key_idx" ON "outbox_events" (ordering_key, seq) WHERE ordering_key IS NOT NULL AND status IN ('pending', 'retry', 'processing');

CREATE INDEX IF NOT EXISTS "outbox_events_lease_idx" ON "outbox_events" (ordering_key, locked_until) WHERE ordering_key IS NOT NULL AND status = 'processing';

CREATE INDEX IF NOT EXISTS "outbox_events_cleanup_idx" ON "outbox_events" (status, updated_at) WHERE status IN ('published', 'failed');
