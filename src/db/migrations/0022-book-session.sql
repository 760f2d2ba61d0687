-- Issue 13.1: a new session booked in one statement (features/bookings/service.ts bookAtOnce).

-- The fingerprint of what the booking rules read of a space and its site (repository.ts SpaceRules):
-- a server keeps the rules in memory with this key, and the booking statement books only while the
-- key is still the stored rows'. Whoever changed them (another server process, a script), the change
-- is seen. Only the rules' columns: no timestamps, whose text would follow the session's time zone.
CREATE FUNCTION shipshape_space_rules_key(s spaces, st sites) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT md5(row(s.site_id, s.id, s.capacity, s.changeover_minutes, s.opening_hours, s.min_minutes,
                 s.max_minutes, s.access, s.allowed_roles, s.allowed_squads, s.owner_id,
                 s.default_visibility, s.checkin_open_minutes, s.version, st.time_zone,
                 st.horizon_days)::text)
$$;

-- Books a session of the organizer alone (no named members or squads) when nothing is in the way,
-- in one call: the write locks, the checks and the insert of the booking with its event. Answers
-- 'ok' (written) or, writing nothing, why not: 'stale' (the space's rules are not those of
-- p_rules_key, or the space is gone), 'quota' (the site has fair-use rules to count), 'taken' (the
-- slot overlaps an active booking of the space, changeover included), 'busy' (one of p_members is in
-- an active session overlapping [p_start, p_end)). The caller answers every 'no' by its detailed
-- path, which says exactly why.
--
-- The checks are those of probeNewSession, statement for statement. Each statement of a VOLATILE
-- function takes a fresh snapshot under READ COMMITTED, so the checks, run after the locks are held,
-- see every booking committed by the lock's previous holders; p_lock_keys are writeLockKeys'
-- (sorted; empty on PGlite, whose statements run one at a time). The exclusion constraint stays the
-- final arbiter of overlaps.
CREATE FUNCTION shipshape_book_session(
  p_site uuid, p_space uuid, p_rules_key text, p_lock_keys bigint[], p_members uuid[],
  p_id uuid, p_organizer uuid, p_title text, p_start timestamptz, p_end timestamptz,
  p_changeover integer, p_headcount integer, p_visibility text, p_series uuid,
  p_original_start timestamptz, p_now timestamptz, p_checkin_code text, p_after jsonb)
RETURNS TABLE (outcome text, organizer_name text) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_blocked_end timestamptz := p_end + make_interval(mins => p_changeover);
  v_name text;
BEGIN
  IF cardinality(p_lock_keys) > 0 THEN
    PERFORM count(pg_advisory_xact_lock(k)) FROM unnest(p_lock_keys) AS k;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM spaces s JOIN sites st ON st.site_id = s.site_id
                  WHERE s.site_id = p_site AND s.id = p_space
                    AND shipshape_space_rules_key(s, st) = p_rules_key) THEN
    RETURN QUERY SELECT 'stale'::text, NULL::text;
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM quota_rules q WHERE q.site_id = p_site) THEN
    RETURN QUERY SELECT 'quota'::text, NULL::text;
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM bookings b
              WHERE b.site_id = p_site AND b.space_id = p_space AND b.status IN ('confirmed', 'checked_in')
                AND b.blocked && tstzrange(p_start, v_blocked_end, '[)')) THEN
    RETURN QUERY SELECT 'taken'::text, NULL::text;
    RETURN;
  END IF;
  IF cardinality(p_members) > 0 AND EXISTS (
       SELECT 1 FROM bookings b
        WHERE b.site_id = p_site AND b.status IN ('confirmed', 'checked_in')
          AND b.blocked && tstzrange(p_start, p_end, '[)')
          AND b.start_at < p_end AND b.end_at > p_start
          AND (b.organizer_id = ANY(p_members)
               OR EXISTS (SELECT 1 FROM booking_members bm
                           WHERE bm.site_id = b.site_id AND bm.booking_id = b.id
                             AND bm.member_id = ANY(p_members))
               OR EXISTS (SELECT 1 FROM booking_squads bq
                            JOIN squad_members sm ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
                           WHERE bq.site_id = b.site_id AND bq.booking_id = b.id
                             AND sm.member_id = ANY(p_members)))) THEN
    RETURN QUERY SELECT 'busy'::text, NULL::text;
    RETURN;
  END IF;
  SELECT m.display_name INTO v_name FROM members m WHERE m.site_id = p_site AND m.id = p_organizer;
  INSERT INTO bookings (site_id, id, space_id, organizer_id, title, start_at, end_at, blocked, headcount,
                        visibility, series_id, original_start, created_at, updated_at, checkin_code)
  VALUES (p_site, p_id, p_space, p_organizer, p_title, p_start, p_end,
          tstzrange(p_start, v_blocked_end, '[)'), p_headcount, p_visibility, p_series,
          p_original_start, p_now, p_now, p_checkin_code);
  -- The event's booking names its organizer as the members table has it now.
  INSERT INTO events (site_id, actor_id, type, subject_type, subject_id, after)
  VALUES (p_site, p_organizer, 'booking.created', 'booking', p_id,
          jsonb_set(p_after, '{organizer,displayName}', to_jsonb(COALESCE(v_name, ''))));
  RETURN QUERY SELECT 'ok'::text, COALESCE(v_name, '');
END
$$;
