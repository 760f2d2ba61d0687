-- Integrations: calendar feed tokens, email delivery, webhooks. Every table carries site_id in its
-- keys; the outboxes are filled by triggers in the transaction that writes the row they follow, so
-- nothing committed is missed and nothing rolled back is sent.

-- Secret feed URLs (/ical/{token}.ics). Only the SHA-256 of the token is kept; the feed shows what
-- its owner may see. Rotating revokes the row and makes a new one.
CREATE TABLE feed_tokens (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL,
  scope text NOT NULL CHECK (scope IN ('member', 'space', 'squad')),
  -- The member, space or squad the feed is of.
  subject_id uuid NOT NULL,
  token_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  last_used_at timestamptz,
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, owner_id) REFERENCES members (site_id, id) ON DELETE CASCADE
);
-- Unique per site like every key (auth_tokens does the same); a feed request carries only the
-- token, so it is found by its hash alone through the second index (32 random bytes do not collide).
CREATE UNIQUE INDEX feed_tokens_hash ON feed_tokens (site_id, token_hash);
CREATE INDEX feed_tokens_lookup ON feed_tokens (token_hash);
CREATE INDEX feed_tokens_owner ON feed_tokens (site_id, owner_id);

-- Per member and kind of notice: on means the notice also goes by email (in-app stays the default).
CREATE TABLE email_preferences (
  site_id uuid NOT NULL,
  member_id uuid NOT NULL,
  kind text NOT NULL,
  enabled boolean NOT NULL,
  PRIMARY KEY (site_id, member_id, kind),
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE
);

-- Notices waiting to go by email. A row is leased (leased_until) by the server sending it, so two
-- servers send each once; sent_at marks it done; a failure moves next_attempt_at on (backoff).
CREATE TABLE email_outbox (
  site_id uuid NOT NULL,
  notification_id bigint NOT NULL,
  member_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  next_attempt_at timestamptz NOT NULL DEFAULT '-infinity',
  leased_until timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  sent_at timestamptz,
  message_id text,
  PRIMARY KEY (site_id, notification_id),
  FOREIGN KEY (site_id, notification_id) REFERENCES notifications (site_id, id) ON DELETE CASCADE
);
-- The sender looks for unsent rows that are due.
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE sent_at IS NULL;

CREATE FUNCTION shipshape_enqueue_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM email_preferences p
              WHERE p.site_id = NEW.site_id AND p.member_id = NEW.member_id AND p.kind = NEW.kind AND p.enabled) THEN
    -- Due at once: the sender decides about quiet hours with its own clock.
    INSERT INTO email_outbox (site_id, notification_id, member_id, created_at, next_attempt_at)
    VALUES (NEW.site_id, NEW.id, NEW.member_id, NEW.created_at, '-infinity');
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER notifications_email AFTER INSERT ON notifications
  FOR EACH ROW EXECUTE FUNCTION shipshape_enqueue_email();

-- Webhook endpoints registered by admins. event_types empty = every type; 'booking.*' = a prefix.
CREATE TABLE webhook_endpoints (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  url text NOT NULL,
  description text NOT NULL DEFAULT '',
  event_types text[] NOT NULL DEFAULT '{}',
  -- The Standard Webhooks signing secret ("whsec_" + base64).
  secret text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  -- While a server delivers to this endpoint, no other does (keeps the order, sends each once).
  leased_until timestamptz,
  version integer NOT NULL DEFAULT 1,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, created_by) REFERENCES members (site_id, id)
);

-- Events not yet fanned out to webhook endpoints; filled like notification_outbox.
CREATE TABLE webhook_outbox (
  site_id uuid NOT NULL,
  event_id bigint NOT NULL,
  PRIMARY KEY (site_id, event_id),
  FOREIGN KEY (site_id, event_id) REFERENCES events (site_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_outbox_order ON webhook_outbox (event_id);

CREATE FUNCTION shipshape_enqueue_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_outbox (site_id, event_id) VALUES (NEW.site_id, NEW.id);
  RETURN NULL;
END
$$;
CREATE TRIGGER events_enqueue_webhook AFTER INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION shipshape_enqueue_webhook();

-- One message of one event to one endpoint; its id is the webhook-id, the same on every retry.
CREATE TABLE webhook_deliveries (
  site_id uuid NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  endpoint_id uuid NOT NULL,
  event_id bigint NOT NULL,
  event_type text NOT NULL,
  event_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_status integer,
  last_error text,
  last_ms integer,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id),
  UNIQUE (site_id, endpoint_id, event_id),
  FOREIGN KEY (site_id, endpoint_id) REFERENCES webhook_endpoints (site_id, id) ON DELETE CASCADE
);
-- Deliveries go out per endpoint in event order: the sender reads the pending head of each.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (site_id, endpoint_id, event_id)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (site_id, endpoint_id, id);

-- Every attempt, for the delivery log: when, the answer's status (or the error) and how long.
CREATE TABLE webhook_attempts (
  site_id uuid NOT NULL,
  delivery_id bigint NOT NULL,
  attempt integer NOT NULL,
  at timestamptz NOT NULL,
  status_code integer,
  error text,
  duration_ms integer NOT NULL,
  PRIMARY KEY (site_id, delivery_id, attempt),
  FOREIGN KEY (site_id, delivery_id) REFERENCES webhook_deliveries (site_id, id) ON DELETE CASCADE
);
