-- Waitlists (issue 12): a member (or a squad leader for the squad) waits for a taken slot of a
-- space: an exact [start, end), or any free slot of length_minutes within [start, end).
CREATE TABLE waitlist_entries (
  site_id uuid NOT NULL REFERENCES sites (site_id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  space_id uuid NOT NULL,
  member_id uuid NOT NULL,
  squad_id uuid,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  -- null: exactly [start_at, end_at); else any free slot of this length within it.
  length_minutes integer CHECK (length_minutes BETWEEN 1 AND 1440),
  -- true: booked at once when it frees; false: offered, held for the site's hold minutes.
  auto_book boolean NOT NULL,
  status text NOT NULL DEFAULT 'waiting'
    CHECK (status IN ('waiting', 'offered', 'booked', 'left', 'expired', 'declined')),
  booking_id uuid,
  offer_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The line: first come, first served (ties by id).
  seq bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, space_id) REFERENCES spaces (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, squad_id) REFERENCES squads (site_id, id) ON DELETE CASCADE,
  CHECK (end_at > start_at),
  CHECK (status <> 'offered' OR (booking_id IS NOT NULL AND offer_expires_at IS NOT NULL))
);
CREATE INDEX waitlist_entries_line ON waitlist_entries (site_id, space_id, seq) WHERE status = 'waiting';
-- The expiry job reads offers by due instant across sites (a pass costs what is due).
CREATE INDEX waitlist_entries_offer_due ON waitlist_entries (offer_expires_at) WHERE status = 'offered';
-- Waiting entries whose time has passed leave the line (they no longer hold a place in it).
CREATE INDEX waitlist_entries_waiting_end ON waitlist_entries (end_at) WHERE status = 'waiting';

ALTER TABLE sites ADD COLUMN waitlist_hold_minutes integer NOT NULL DEFAULT 15
  CHECK (waitlist_hold_minutes BETWEEN 1 AND 1440);

-- Spaces whose waitlist must be looked at: a slot of theirs freed (cancel, no-show release, early
-- check-out, move away, a shorter session). Filled by a trigger in the transaction of the change,
-- so no path that frees a slot is forgotten and a crash loses nothing; the serve-waitlists task
-- claims the rows (FOR UPDATE SKIP LOCKED) and deletes them in the transaction that serves.
CREATE TABLE waitlist_wakeups (
  site_id uuid NOT NULL REFERENCES sites (site_id),
  space_id uuid NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, space_id)
);

CREATE FUNCTION shipshape_waitlist_wakeup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status IN ('confirmed', 'checked_in')
     AND (NEW.status NOT IN ('confirmed', 'checked_in') OR NEW.space_id <> OLD.space_id
          OR NOT (NEW.blocked @> OLD.blocked))
     AND EXISTS (SELECT 1 FROM waitlist_entries w
                  WHERE w.site_id = OLD.site_id AND w.space_id = OLD.space_id AND w.status = 'waiting') THEN
    INSERT INTO waitlist_wakeups (site_id, space_id) VALUES (OLD.site_id, OLD.space_id)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER bookings_waitlist_wakeup AFTER UPDATE ON bookings
  FOR EACH ROW EXECUTE FUNCTION shipshape_waitlist_wakeup();
