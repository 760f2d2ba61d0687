-- Fair-use quotas (issue 12): an admin's rule caps the hours or sessions a member may book per
-- day, week or month (in the site's zone), in one space or a kind of space, optionally only within
-- a time of day. A rule names a member, a squad (each of its members counts on their own) or
-- nobody (everyone). Usage is derived from the bookings; nothing is stored per use.
CREATE TABLE quota_rules (
  site_id uuid NOT NULL REFERENCES sites (site_id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  member_id uuid,
  squad_id uuid,
  space_id uuid,
  space_kind text CHECK (space_kind IN ('training', 'sparring', 'briefing', 'cabin', 'other')),
  metric text NOT NULL CHECK (metric IN ('hours', 'sessions')),
  period text NOT NULL CHECK (period IN ('day', 'week', 'month')),
  maximum numeric NOT NULL CHECK (maximum > 0 AND maximum <= 100000),
  -- Minutes after local midnight; a window whose end is at or before its start runs past midnight.
  window_start integer CHECK (window_start BETWEEN 0 AND 1440),
  window_end integer CHECK (window_end BETWEEN 0 AND 1440),
  -- Whether a booking counts for each participant too, not only for its organizer.
  count_participants boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id),
  UNIQUE (site_id, name),
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, squad_id) REFERENCES squads (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, space_id) REFERENCES spaces (site_id, id) ON DELETE CASCADE,
  CHECK (member_id IS NULL OR squad_id IS NULL),
  CHECK (space_id IS NULL OR space_kind IS NULL),
  CHECK ((window_start IS NULL) = (window_end IS NULL))
);
