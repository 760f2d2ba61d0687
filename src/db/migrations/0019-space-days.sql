-- The utilization report's rollup: per space and local day (in the site's zone), the report's
-- figures per local hour, so a year's report reads one row per space and day instead of cutting
-- every booking at hour bounds. Kept by a trigger in the transaction of every booking change (like
-- the exclusion constraint's `blocked`), rebuilt for a site whose zone changes, backfilled here.
-- - booked_ms[h]: time held in local hour h by bookings that kept the space (confirmed, checked in,
--   completed); used_ms[h]: from check-in (not before the start) to the end or check-out, as if
--   every session ran to its end: the report takes off the part after `now` of sessions under way;
-- - no_shows[h], late_cancellations[h]: released, and cancelled at most an hour before the start
--   (or after it), counted in the hour of the start.
-- Arrays are indexed 1..24 by local hour + 1; the repeated hour of an autumn day adds into its one
-- slot and a spring-gap hour has none, as the report's buckets (domain/report-buckets.ts) do.
CREATE TABLE space_days (
  site_id uuid NOT NULL,
  space_id uuid NOT NULL,
  day date NOT NULL,
  booked_ms integer[] NOT NULL,
  used_ms integer[] NOT NULL,
  no_shows integer[] NOT NULL,
  late_cancellations integer[] NOT NULL,
  PRIMARY KEY (site_id, space_id, day),
  FOREIGN KEY (site_id, space_id) REFERENCES spaces (site_id, id) ON DELETE CASCADE
);

-- [s, e) cut at the local hour starts of `zone`: every zone's offset is a whole number of quarter
-- hours, so a local hour starts on a UTC quarter hour, and those are the only candidates looked at.
CREATE FUNCTION report_hour_parts(zone text, s timestamptz, e timestamptz)
RETURNS TABLE (day date, hour integer, part_start timestamptz, part_end timestamptz)
LANGUAGE sql STABLE AS $$
  WITH bounds AS (
    SELECT s AS at
    UNION ALL
    SELECT q FROM generate_series(date_bin('15 minutes', s, timestamptz '2000-01-01 00:00:00+00') + interval '15 minutes',
                                  e, interval '15 minutes') q
     WHERE q < e AND date_part('minute', q AT TIME ZONE zone) = 0
  )
  SELECT (at AT TIME ZONE zone)::date, date_part('hour', at AT TIME ZONE zone)::integer, at,
         coalesce(lead(at) OVER (ORDER BY at), e)
    FROM bounds
$$;

-- One booking's figures per local day and hour (see the table's comment).
CREATE FUNCTION report_booking_parts(zone text, start_at timestamptz, end_at timestamptz, status text,
                                     checked_in_at timestamptz, cancelled_at timestamptz)
RETURNS TABLE (day date, hour integer, booked_ms integer, used_ms integer, no_shows integer,
               late_cancellations integer)
LANGUAGE sql STABLE AS $$
  SELECT p.day, p.hour,
         CASE WHEN status IN ('confirmed', 'checked_in', 'completed')
              THEN round(date_part('epoch', p.part_end - p.part_start) * 1000)::integer ELSE 0 END,
         CASE WHEN status IN ('checked_in', 'completed')
              THEN greatest(0, round(date_part('epoch', p.part_end - greatest(p.part_start, checked_in_at)) * 1000))::integer
              ELSE 0 END,
         (status = 'released' AND p.part_start = start_at)::integer,
         (status = 'cancelled' AND p.part_start = start_at AND cancelled_at >= start_at - interval '1 hour')::integer
    FROM report_hour_parts(zone, start_at, end_at) p
$$;

CREATE FUNCTION report_add_arrays(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT array_agg(x + y ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$;

-- Adds (sign 1) or takes off (sign -1) one booking's figures. The space must still exist: a space
-- or site being deleted takes its bookings and its rows together.
CREATE FUNCTION space_days_add(p_site uuid, p_space uuid, p_start timestamptz, p_end timestamptz, p_status text,
                               p_checked_in timestamptz, p_cancelled timestamptz, p_sign integer)
RETURNS void LANGUAGE sql AS $$
  WITH parts AS (
    SELECT p.* FROM sites s, report_booking_parts(s.time_zone, p_start, p_end, p_status, p_checked_in, p_cancelled) p
     WHERE s.site_id = p_site AND EXISTS (SELECT 1 FROM spaces WHERE site_id = p_site AND id = p_space)
  ), per_day AS (
    SELECT d.day,
           array_agg(p_sign * coalesce(x.b, 0) ORDER BY h) AS b, array_agg(p_sign * coalesce(x.u, 0) ORDER BY h) AS u,
           array_agg(p_sign * coalesce(x.n, 0) ORDER BY h) AS n, array_agg(p_sign * coalesce(x.l, 0) ORDER BY h) AS l
      FROM (SELECT DISTINCT day FROM parts) d CROSS JOIN generate_series(0, 23) h
      LEFT JOIN (SELECT day, hour, sum(booked_ms)::integer AS b, sum(used_ms)::integer AS u,
                        sum(no_shows)::integer AS n, sum(late_cancellations)::integer AS l
                   FROM parts GROUP BY day, hour) x ON x.day = d.day AND x.hour = h
     GROUP BY d.day
  )
  INSERT INTO space_days AS sd (site_id, space_id, day, booked_ms, used_ms, no_shows, late_cancellations)
  SELECT p_site, p_space, day, b, u, n, l FROM per_day ORDER BY day
  ON CONFLICT (site_id, space_id, day) DO UPDATE
     SET booked_ms = report_add_arrays(sd.booked_ms, excluded.booked_ms),
         used_ms = report_add_arrays(sd.used_ms, excluded.used_ms),
         no_shows = report_add_arrays(sd.no_shows, excluded.no_shows),
         late_cancellations = report_add_arrays(sd.late_cancellations, excluded.late_cancellations)
$$;

CREATE FUNCTION bookings_space_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM space_days_add(OLD.site_id, OLD.space_id, OLD.start_at, OLD.end_at, OLD.status,
                           OLD.checked_in_at, OLD.cancelled_at, -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM space_days_add(NEW.site_id, NEW.space_id, NEW.start_at, NEW.end_at, NEW.status,
                           NEW.checked_in_at, NEW.cancelled_at, 1);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER bookings_space_days_rows AFTER INSERT OR DELETE ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_space_days();
CREATE TRIGGER bookings_space_days_changes AFTER UPDATE ON bookings
  FOR EACH ROW WHEN (OLD.space_id IS DISTINCT FROM NEW.space_id OR OLD.start_at IS DISTINCT FROM NEW.start_at
                     OR OLD.end_at IS DISTINCT FROM NEW.end_at OR OLD.status IS DISTINCT FROM NEW.status
                     OR OLD.checked_in_at IS DISTINCT FROM NEW.checked_in_at
                     OR OLD.cancelled_at IS DISTINCT FROM NEW.cancelled_at)
  EXECUTE FUNCTION bookings_space_days();

-- A site's rows from its bookings, in one pass: the backfill, a change of zone, bulk loads.
CREATE FUNCTION rebuild_space_days(p_site uuid) RETURNS void LANGUAGE sql AS $$
  DELETE FROM space_days WHERE site_id = p_site;
  WITH parts AS (
    SELECT b.space_id, p.day, p.hour, sum(p.booked_ms)::integer AS b, sum(p.used_ms)::integer AS u,
           sum(p.no_shows)::integer AS n, sum(p.late_cancellations)::integer AS l
      FROM sites s JOIN bookings b ON b.site_id = s.site_id,
           report_booking_parts(s.time_zone, b.start_at, b.end_at, b.status, b.checked_in_at, b.cancelled_at) p
     WHERE s.site_id = p_site
     GROUP BY b.space_id, p.day, p.hour
  ), days AS (SELECT DISTINCT space_id, day FROM parts)
  INSERT INTO space_days (site_id, space_id, day, booked_ms, used_ms, no_shows, late_cancellations)
  SELECT p_site, d.space_id, d.day,
         array_agg(coalesce(x.b, 0) ORDER BY h), array_agg(coalesce(x.u, 0) ORDER BY h),
         array_agg(coalesce(x.n, 0) ORDER BY h), array_agg(coalesce(x.l, 0) ORDER BY h)
    FROM days d CROSS JOIN generate_series(0, 23) h
    LEFT JOIN parts x ON x.space_id = d.space_id AND x.day = d.day AND x.hour = h
   GROUP BY d.space_id, d.day;
$$;

CREATE FUNCTION sites_space_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM rebuild_space_days(NEW.site_id);
  RETURN NULL;
END
$$;

CREATE TRIGGER sites_space_days AFTER UPDATE ON sites
  FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone) EXECUTE FUNCTION sites_space_days();

SELECT rebuild_space_days(site_id) FROM sites;
