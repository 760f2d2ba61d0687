-- Recurring series, notifications and the bookkeeping of the in-server jobs.
-- Every table carries site_id in every key; foreign keys point from child to parent.

CREATE TABLE series (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  space_id uuid NOT NULL,
  organizer_id uuid NOT NULL,
  title text NOT NULL,
  -- The canonical RRULE text (FREQ DAILY/WEEKLY/MONTHLY, INTERVAL, BYDAY, BYMONTHDAY, COUNT, UNTIL).
  rrule text NOT NULL,
  start_date date NOT NULL,
  -- Local wall time HH:MM in time_zone: the series stays at this time across DST changes.
  start_time text NOT NULL CHECK (start_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
  time_zone text NOT NULL,
  headcount integer NOT NULL DEFAULT 1 CHECK (headcount >= 1),
  visibility text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
  member_ids uuid[] NOT NULL DEFAULT '{}',
  squad_ids uuid[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended', 'cancelled')),
  -- Occurrences starting before this instant have been materialised as bookings (or skipped).
  materialized_until timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, space_id) REFERENCES spaces (site_id, id),
  FOREIGN KEY (site_id, organizer_id) REFERENCES members (site_id, id)
);
-- The horizon job looks for active series that are not materialised far enough.
CREATE INDEX series_horizon ON series (materialized_until) WHERE status = 'active';

-- An occurrence of a series is a booking carrying the series and its original start.
ALTER TABLE bookings
  ADD CONSTRAINT bookings_series FOREIGN KEY (site_id, series_id) REFERENCES series (site_id, id);
-- One booking per occurrence, whatever its status: a cancelled occurrence is not re-created.
CREATE UNIQUE INDEX bookings_series_occurrence ON bookings (site_id, series_id, original_start)
  WHERE series_id IS NOT NULL;

-- Occurrences that differ from the rule: edited one by one (kept when the series changes),
-- cancelled, or skipped at creation because the slot was taken.
CREATE TABLE series_exceptions (
  site_id uuid NOT NULL,
  series_id uuid NOT NULL,
  original_start timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('modified', 'cancelled', 'skipped')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, series_id, original_start),
  FOREIGN KEY (site_id, series_id) REFERENCES series (site_id, id) ON DELETE CASCADE
);

-- Events not yet turned into notices. Filled by a trigger in the transaction that writes the
-- event, so nothing is missed; the delivery job claims rows with FOR UPDATE SKIP LOCKED and
-- deletes them in the transaction that writes the notices, so each event is delivered once.
CREATE TABLE notification_outbox (
  site_id uuid NOT NULL,
  event_id bigint NOT NULL,
  PRIMARY KEY (site_id, event_id),
  FOREIGN KEY (site_id, event_id) REFERENCES events (site_id, id) ON DELETE CASCADE
);
CREATE INDEX notification_outbox_order ON notification_outbox (event_id);

CREATE FUNCTION shipshape_enqueue_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO notification_outbox (site_id, event_id) VALUES (NEW.site_id, NEW.id);
  RETURN NULL;
END
$$;
CREATE TRIGGER events_enqueue AFTER INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION shipshape_enqueue_event();

-- A member's in-app notices.
CREATE TABLE notifications (
  site_id uuid NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  member_id uuid NOT NULL,
  kind text NOT NULL,
  event_id bigint NOT NULL,
  booking_id uuid,
  title text NOT NULL,
  body text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  read_at timestamptz,
  PRIMARY KEY (site_id, id),
  -- One notice per event, member and kind, even if an event were processed twice.
  UNIQUE (site_id, event_id, member_id, kind),
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE
);
CREATE INDEX notifications_feed ON notifications (site_id, member_id, id);
CREATE INDEX notifications_unread ON notifications (site_id, member_id) WHERE read_at IS NULL;
-- Live delivery polls recent notices across members.
CREATE INDEX notifications_recent ON notifications (created_at);

-- Per member and kind: off means no notice of that kind is created for the member.
CREATE TABLE notification_preferences (
  site_id uuid NOT NULL,
  member_id uuid NOT NULL,
  kind text NOT NULL,
  enabled boolean NOT NULL,
  PRIMARY KEY (site_id, member_id, kind),
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE
);

-- Time-driven work already done for a booking (a heads-up sent), so that a restart or a second
-- server never does it twice.
CREATE TABLE booking_jobs (
  site_id uuid NOT NULL,
  booking_id uuid NOT NULL,
  job text NOT NULL,
  done_at timestamptz NOT NULL,
  PRIMARY KEY (site_id, booking_id, job),
  FOREIGN KEY (site_id, booking_id) REFERENCES bookings (site_id, id) ON DELETE CASCADE
);
