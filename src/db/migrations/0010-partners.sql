-- Partners and times that suit everyone: disciplines with levels and Glicko-2 ratings, results
-- between members, duty rosters and leave (busy time besides sessions), and partner proposals.

CREATE TABLE disciplines (
  site_id uuid NOT NULL REFERENCES sites (site_id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id)
);
CREATE UNIQUE INDEX disciplines_name ON disciplines (site_id, lower(name));

-- A discipline a member trains. level is the self-assessed start; rating, rd and volatility are
-- Glicko-2 (public scale), recomputed from the counted results whenever one is recorded or disputed.
CREATE TABLE member_disciplines (
  site_id uuid NOT NULL,
  member_id uuid NOT NULL,
  discipline_id uuid NOT NULL,
  level text NOT NULL CHECK (level IN ('beginner', 'intermediate', 'advanced', 'expert')),
  rating double precision NOT NULL,
  rd double precision NOT NULL CHECK (rd > 0),
  volatility double precision NOT NULL CHECK (volatility > 0),
  -- When the rating last moved by a result (null: never); RD grows with the time since.
  rated_at timestamptz,
  results_counted integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, member_id, discipline_id),
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, discipline_id) REFERENCES disciplines (site_id, id) ON DELETE CASCADE
);
CREATE INDEX member_disciplines_discipline ON member_disciplines (site_id, discipline_id);

-- Per member: hidden from partner suggestions; quiet hours count as free (night training).
CREATE TABLE partner_settings (
  site_id uuid NOT NULL,
  member_id uuid NOT NULL,
  hidden boolean NOT NULL DEFAULT false,
  night_training boolean NOT NULL DEFAULT false,
  PRIMARY KEY (site_id, member_id),
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE
);

-- A result between two participants of a finished session, in one discipline. outcome is from
-- member_a's side. A disputed result does not count towards ratings.
CREATE TABLE results (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  discipline_id uuid NOT NULL,
  booking_id uuid NOT NULL,
  member_a uuid NOT NULL,
  member_b uuid NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('win', 'loss', 'draw')),
  played_at timestamptz NOT NULL,
  recorded_by uuid NOT NULL,
  recorded_at timestamptz NOT NULL,
  disputed_by uuid,
  disputed_at timestamptz,
  dispute_reason text,
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, discipline_id) REFERENCES disciplines (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, booking_id) REFERENCES bookings (site_id, id),
  FOREIGN KEY (site_id, member_a) REFERENCES members (site_id, id),
  FOREIGN KEY (site_id, member_b) REFERENCES members (site_id, id),
  CHECK (member_a <> member_b),
  CHECK ((disputed_by IS NULL) = (disputed_at IS NULL))
);
-- One result per pair, session and discipline, whichever side recorded it.
CREATE UNIQUE INDEX results_once ON results (site_id, booking_id, discipline_id,
  LEAST(member_a, member_b), GREATEST(member_a, member_b));
-- Ratings replay a discipline's counted results in order.
CREATE INDEX results_discipline ON results (site_id, discipline_id, played_at, id);

-- Recurring duty shifts: an RRULE with a local start time and duration in the site's zone,
-- expanded like series (domain/recurrence.ts); busy time for free-time and find-time.
CREATE TABLE duty_shifts (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  member_id uuid NOT NULL,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  rrule text NOT NULL,
  start_date date NOT NULL,
  start_time text NOT NULL CHECK (start_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
  time_zone text NOT NULL,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE
);
CREATE INDEX duty_shifts_member ON duty_shifts (site_id, member_id);

-- One-off leave: the member is away (busy) over [start_at, end_at).
CREATE TABLE member_leave (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  member_id uuid NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  reason text NOT NULL DEFAULT '',
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE,
  CHECK (end_at > start_at)
);
CREATE INDEX member_leave_member ON member_leave (site_id, member_id, start_at);

-- A proposal to train together: a notice to the partner, who accepts (which books it) or declines.
CREATE TABLE partner_proposals (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  from_member uuid NOT NULL,
  to_member uuid NOT NULL,
  discipline_id uuid NOT NULL,
  space_id uuid NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
  booking_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, from_member) REFERENCES members (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, to_member) REFERENCES members (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, discipline_id) REFERENCES disciplines (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, space_id) REFERENCES spaces (site_id, id),
  FOREIGN KEY (site_id, booking_id) REFERENCES bookings (site_id, id),
  CHECK (end_at > start_at),
  CHECK (from_member <> to_member)
);
CREATE INDEX partner_proposals_to ON partner_proposals (site_id, to_member, created_at);
