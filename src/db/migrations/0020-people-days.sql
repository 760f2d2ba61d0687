-- The utilization report's figures per member and per squad (admins only), rolled up per local day
-- (in the site's zone) like space_days (0019), so a year's report reads one row per person and day
-- instead of every booking. Kept in the transaction of every write of bookings, booking_members and
-- booking_squads; rebuilt for a site whose zone changes; backfilled here.
-- The people of a booking, as the report counts them: its organizer and its named participants (once
-- each, the organizer also named as a participant counts once), and the squads it is booked for.
-- Rows are added, never updated, by the triggers (a change's delta, `pending`), and merged into one
-- row per person and day by compact_report_rollups (0021); the report sums whatever rows there are.
-- Each person's rows of a day hold, over every space of the site (the report reads them when it
-- covers them all):
-- - bookings, sessions: bookings of any status, and those that kept the space (confirmed, checked
--   in, completed), counted on the local day of their start (bookings > 0 lists the person);
-- - booked_ms, used_ms: the parts of the day of the time held and of the time used, as space_days
--   (used as if every session ran to its end: the report takes off the part after `now`);
-- - no_shows, late_cancellations: counted on the day of the start.
CREATE TABLE member_days (
  site_id uuid NOT NULL,
  member_id uuid NOT NULL,
  day date NOT NULL,
  bookings integer NOT NULL,
  sessions integer NOT NULL,
  booked_ms bigint NOT NULL,
  used_ms bigint NOT NULL,
  no_shows integer NOT NULL,
  late_cancellations integer NOT NULL,
  -- A change's delta, not yet merged into one row per day (see space_days, migration 0021).
  pending boolean NOT NULL DEFAULT false,
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE
);
CREATE INDEX member_days_day ON member_days (site_id, day);
CREATE INDEX member_days_pending ON member_days (site_id, member_id, day) WHERE pending;

CREATE TABLE squad_days (
  site_id uuid NOT NULL,
  squad_id uuid NOT NULL,
  day date NOT NULL,
  bookings integer NOT NULL,
  sessions integer NOT NULL,
  booked_ms bigint NOT NULL,
  used_ms bigint NOT NULL,
  no_shows integer NOT NULL,
  late_cancellations integer NOT NULL,
  pending boolean NOT NULL DEFAULT false,
  FOREIGN KEY (site_id, squad_id) REFERENCES squads (site_id, id) ON DELETE CASCADE
);
CREATE INDEX squad_days_day ON squad_days (site_id, day);
CREATE INDEX squad_days_pending ON squad_days (site_id, squad_id, day) WHERE pending;

-- One booking's figures per local day (the sums of its parts of report_booking_parts, 0019; a part
-- whose figure is unknown, such as a cancellation without its instant, counts 0, as in space_days).
CREATE FUNCTION report_booking_days(zone text, start_at timestamptz, end_at timestamptz, status text,
                                    checked_in_at timestamptz, cancelled_at timestamptz)
RETURNS TABLE (day date, bookings integer, sessions integer, booked_ms bigint, used_ms bigint, no_shows integer,
               late_cancellations integer)
LANGUAGE sql STABLE AS $$
  SELECT p.day, (p.day = (start_at AT TIME ZONE zone)::date)::integer,
         (p.day = (start_at AT TIME ZONE zone)::date AND status IN ('confirmed', 'checked_in', 'completed'))::integer,
         coalesce(sum(p.booked_ms), 0)::bigint, coalesce(sum(p.used_ms), 0)::bigint, coalesce(sum(p.no_shows), 0)::integer,
         coalesce(sum(p.late_cancellations), 0)::integer
    FROM report_booking_parts(zone, start_at, end_at, status, checked_in_at, cancelled_at) p
   GROUP BY p.day
$$;

-- Adds (sign 1) or takes off (sign -1) one booking's figures for the members and squads given, as
-- new rows (pending deltas): no row is updated, so concurrent writers never wait for each other.
CREATE FUNCTION people_days_add(p_site uuid, p_members uuid[], p_squads uuid[], p_start timestamptz,
                                p_end timestamptz, p_status text, p_checked_in timestamptz,
                                p_cancelled timestamptz, p_sign integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  zone text;
BEGIN
  IF cardinality(p_members) = 0 AND cardinality(p_squads) = 0 THEN
    RETURN;
  END IF;
  SELECT time_zone INTO zone FROM sites WHERE site_id = p_site;
  IF cardinality(p_members) > 0 THEN
    INSERT INTO member_days (site_id, member_id, day, bookings, sessions, booked_ms, used_ms, no_shows,
                             late_cancellations, pending)
    SELECT p_site, m, d.day, p_sign * d.bookings, p_sign * d.sessions, p_sign * d.booked_ms, p_sign * d.used_ms,
           p_sign * d.no_shows, p_sign * d.late_cancellations, true
      FROM (SELECT DISTINCT unnest(p_members) AS m) ms,
           report_booking_days(zone, p_start, p_end, p_status, p_checked_in, p_cancelled) d;
  END IF;
  IF cardinality(p_squads) > 0 THEN
    INSERT INTO squad_days (site_id, squad_id, day, bookings, sessions, booked_ms, used_ms, no_shows,
                            late_cancellations, pending)
    SELECT p_site, q, d.day, p_sign * d.bookings, p_sign * d.sessions, p_sign * d.booked_ms, p_sign * d.used_ms,
           p_sign * d.no_shows, p_sign * d.late_cancellations, true
      FROM (SELECT DISTINCT unnest(p_squads) AS q) qs,
           report_booking_days(zone, p_start, p_end, p_status, p_checked_in, p_cancelled) d;
  END IF;
END
$$;

-- A booking written: its organizer here; its participants and squads by their own rows' triggers
-- (inserted in the same statement or after, when the booking is visible). A change of the figures
-- or of the organizer takes the old figures off its people and adds the new ones.
CREATE FUNCTION bookings_people_days() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  named uuid[];
  squads uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM people_days_add(NEW.site_id, ARRAY[NEW.organizer_id], '{}', NEW.start_at, NEW.end_at, NEW.status,
                            NEW.checked_in_at, NEW.cancelled_at, 1);
    RETURN NULL;
  END IF;
  named := ARRAY(SELECT member_id FROM booking_members WHERE site_id = OLD.site_id AND booking_id = OLD.id);
  squads := ARRAY(SELECT squad_id FROM booking_squads WHERE site_id = OLD.site_id AND booking_id = OLD.id);
  PERFORM people_days_add(OLD.site_id, OLD.organizer_id || named, squads, OLD.start_at, OLD.end_at, OLD.status,
                          OLD.checked_in_at, OLD.cancelled_at, -1);
  IF TG_OP = 'UPDATE' THEN
    PERFORM people_days_add(NEW.site_id, NEW.organizer_id || named, squads, NEW.start_at, NEW.end_at, NEW.status,
                            NEW.checked_in_at, NEW.cancelled_at, 1);
    RETURN NULL;
  END IF;
  RETURN OLD;
END
$$;

CREATE TRIGGER bookings_people_days_rows AFTER INSERT ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_people_days();
CREATE TRIGGER bookings_people_days_changes AFTER UPDATE ON bookings
  FOR EACH ROW WHEN (OLD.organizer_id IS DISTINCT FROM NEW.organizer_id OR OLD.start_at IS DISTINCT FROM NEW.start_at
                     OR OLD.end_at IS DISTINCT FROM NEW.end_at OR OLD.status IS DISTINCT FROM NEW.status
                     OR OLD.checked_in_at IS DISTINCT FROM NEW.checked_in_at
                     OR OLD.cancelled_at IS DISTINCT FROM NEW.cancelled_at)
  EXECUTE FUNCTION bookings_people_days();
-- Before the delete, while the participants and squads are still there (the delete cascades to
-- them; their triggers then find no booking and do nothing).
CREATE TRIGGER bookings_people_days_delete BEFORE DELETE ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_people_days();

-- A participant or squad added to or taken off a booking that exists (one being deleted took its
-- people off already). A participant who is also the organizer counts once, as the organizer.
CREATE FUNCTION booking_person_days(p_site uuid, p_booking uuid, p_member uuid, p_squad uuid, p_sign integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  b bookings%ROWTYPE;
BEGIN
  SELECT * INTO b FROM bookings WHERE site_id = p_site AND id = p_booking;
  IF NOT FOUND OR p_member = b.organizer_id THEN
    RETURN;
  END IF;
  PERFORM people_days_add(p_site, CASE WHEN p_member IS NULL THEN '{}' ELSE ARRAY[p_member] END,
                          CASE WHEN p_squad IS NULL THEN '{}' ELSE ARRAY[p_squad] END,
                          b.start_at, b.end_at, b.status, b.checked_in_at, b.cancelled_at, p_sign);
END
$$;

CREATE FUNCTION booking_members_people_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM booking_person_days(OLD.site_id, OLD.booking_id, OLD.member_id, NULL, -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM booking_person_days(NEW.site_id, NEW.booking_id, NEW.member_id, NULL, 1);
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION booking_squads_people_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM booking_person_days(OLD.site_id, OLD.booking_id, NULL, OLD.squad_id, -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM booking_person_days(NEW.site_id, NEW.booking_id, NULL, NEW.squad_id, 1);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER booking_members_people_days AFTER INSERT OR UPDATE OR DELETE ON booking_members
  FOR EACH ROW EXECUTE FUNCTION booking_members_people_days();
CREATE TRIGGER booking_squads_people_days AFTER INSERT OR UPDATE OR DELETE ON booking_squads
  FOR EACH ROW EXECUTE FUNCTION booking_squads_people_days();

-- A site's rows from its bookings, in one pass: the backfill, a change of zone, bulk loads.
CREATE FUNCTION rebuild_people_days(p_site uuid) RETURNS void LANGUAGE sql AS $$
  DELETE FROM member_days WHERE site_id = p_site;
  DELETE FROM squad_days WHERE site_id = p_site;
  WITH b AS (
    SELECT b.id, b.organizer_id, d.*
      FROM sites s JOIN bookings b ON b.site_id = s.site_id,
           report_booking_days(s.time_zone, b.start_at, b.end_at, b.status, b.checked_in_at, b.cancelled_at) d
     WHERE s.site_id = p_site
  ), who AS (
    SELECT id, organizer_id AS member_id FROM bookings WHERE site_id = p_site
    UNION
    SELECT booking_id, member_id FROM booking_members WHERE site_id = p_site
  )
  INSERT INTO member_days (site_id, member_id, day, bookings, sessions, booked_ms, used_ms, no_shows,
                           late_cancellations)
  SELECT p_site, who.member_id, b.day, sum(b.bookings), sum(b.sessions), sum(b.booked_ms), sum(b.used_ms),
         sum(b.no_shows), sum(b.late_cancellations)
    FROM b JOIN who ON who.id = b.id
   GROUP BY who.member_id, b.day;
  WITH b AS (
    SELECT b.id, d.*
      FROM sites s JOIN bookings b ON b.site_id = s.site_id,
           report_booking_days(s.time_zone, b.start_at, b.end_at, b.status, b.checked_in_at, b.cancelled_at) d
     WHERE s.site_id = p_site AND EXISTS (SELECT 1 FROM booking_squads bs WHERE bs.site_id = p_site AND bs.booking_id = b.id)
  )
  INSERT INTO squad_days (site_id, squad_id, day, bookings, sessions, booked_ms, used_ms, no_shows,
                          late_cancellations)
  SELECT p_site, bs.squad_id, b.day, sum(b.bookings), sum(b.sessions), sum(b.booked_ms), sum(b.used_ms),
         sum(b.no_shows), sum(b.late_cancellations)
    FROM b JOIN booking_squads bs ON bs.site_id = p_site AND bs.booking_id = b.id
   GROUP BY bs.squad_id, b.day;
$$;

CREATE FUNCTION sites_people_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM rebuild_people_days(NEW.site_id);
  RETURN NULL;
END
$$;

CREATE TRIGGER sites_people_days AFTER UPDATE ON sites
  FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone) EXECUTE FUNCTION sites_people_days();

SELECT rebuild_people_days(site_id) FROM sites;
