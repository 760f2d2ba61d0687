-- The report's rollups take a change as a new row (a delta, `pending`) instead of updating the row
-- of its day: an update locked that row until the writer's transaction ended, so concurrent
-- bookings of one space and day (or one person and day) queued on it, and writers that touched
-- several such rows in different orders could deadlock. Readers sum whatever rows a day has (they
-- always summed per space and day); compact_report_rollups, run by the server every minute, merges
-- each day's rows into one.
ALTER TABLE space_days DROP CONSTRAINT space_days_pkey;
ALTER TABLE space_days ADD COLUMN pending boolean NOT NULL DEFAULT false;
CREATE INDEX space_days_key ON space_days (site_id, space_id, day);
CREATE INDEX space_days_pending ON space_days (site_id, space_id, day) WHERE pending;

CREATE OR REPLACE FUNCTION space_days_add(p_site uuid, p_space uuid, p_start timestamptz, p_end timestamptz,
                                          p_status text, p_checked_in timestamptz, p_cancelled timestamptz,
                                          p_sign integer)
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
  INSERT INTO space_days (site_id, space_id, day, booked_ms, used_ms, no_shows, late_cancellations, pending)
  SELECT p_site, p_space, day, b, u, n, l, true FROM per_day
$$;

-- Merges the rows of every day that has pending deltas into one row, in one statement per table: a
-- delta written meanwhile (not seen by this statement) stays pending for the next run, and two runs at
-- once each merge the rows they took, so the sums never change. Returns the rows taken.
CREATE FUNCTION compact_report_rollups() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  taken integer;
  total integer := 0;
BEGIN
  WITH keys AS (SELECT DISTINCT site_id, space_id, day FROM space_days WHERE pending),
  gone AS (
    DELETE FROM space_days s USING keys k
     WHERE s.site_id = k.site_id AND s.space_id = k.space_id AND s.day = k.day
    RETURNING s.*
  ), slots AS (
    SELECT g.site_id, g.space_id, g.day, u.i, sum(u.b)::integer AS b, sum(u.u)::integer AS u,
           sum(u.n)::integer AS n, sum(u.l)::integer AS l
      FROM gone g, unnest(g.booked_ms, g.used_ms, g.no_shows, g.late_cancellations) WITH ORDINALITY AS u(b, u, n, l, i)
     GROUP BY g.site_id, g.space_id, g.day, u.i
  ), merged AS (
    INSERT INTO space_days (site_id, space_id, day, booked_ms, used_ms, no_shows, late_cancellations)
    SELECT site_id, space_id, day, array_agg(b ORDER BY i), array_agg(u ORDER BY i), array_agg(n ORDER BY i),
           array_agg(l ORDER BY i)
      FROM slots GROUP BY site_id, space_id, day
    RETURNING 1
  )
  SELECT count(*) INTO taken FROM gone;
  total := total + taken;

  WITH keys AS (SELECT DISTINCT site_id, member_id, day FROM member_days WHERE pending),
  gone AS (
    DELETE FROM member_days s USING keys k
     WHERE s.site_id = k.site_id AND s.member_id = k.member_id AND s.day = k.day
    RETURNING s.*
  ), merged AS (
    INSERT INTO member_days (site_id, member_id, day, bookings, sessions, booked_ms, used_ms, no_shows,
                             late_cancellations)
    SELECT site_id, member_id, day, sum(bookings), sum(sessions), sum(booked_ms), sum(used_ms), sum(no_shows),
           sum(late_cancellations)
      FROM gone GROUP BY site_id, member_id, day
    RETURNING 1
  )
  SELECT count(*) INTO taken FROM gone;
  total := total + taken;

  WITH keys AS (SELECT DISTINCT site_id, squad_id, day FROM squad_days WHERE pending),
  gone AS (
    DELETE FROM squad_days s USING keys k
     WHERE s.site_id = k.site_id AND s.squad_id = k.squad_id AND s.day = k.day
    RETURNING s.*
  ), merged AS (
    INSERT INTO squad_days (site_id, squad_id, day, bookings, sessions, booked_ms, used_ms, no_shows,
                            late_cancellations)
    SELECT site_id, squad_id, day, sum(bookings), sum(sessions), sum(booked_ms), sum(used_ms), sum(no_shows),
           sum(late_cancellations)
      FROM gone GROUP BY site_id, squad_id, day
    RETURNING 1
  )
  SELECT count(*) INTO taken FROM gone;
  RETURN total + taken;
END
$$;
