-- A committed event wakes the webhook senders at once (LISTEN shipshape_webhooks) instead of
-- waiting for their poll. One notice per transaction: PostgreSQL folds identical payloads, and a
-- notice is delivered only when (and if) the transaction commits.
CREATE OR REPLACE FUNCTION shipshape_enqueue_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_outbox (site_id, event_id) VALUES (NEW.site_id, NEW.id);
  PERFORM pg_notify('shipshape_webhooks', '');
  RETURN NULL;
END
$$;
