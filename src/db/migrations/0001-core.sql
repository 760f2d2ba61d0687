-- Core schema. Every table carries site_id and every key includes it, so the data
-- can be distributed by site (Citus) with the same constraints.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE sites (
  site_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  time_zone text NOT NULL,
  quiet_start time,
  quiet_end time,
  horizon_days integer NOT NULL DEFAULT 60 CHECK (horizon_days BETWEEN 1 AND 1100),
  adjacency_minutes integer NOT NULL DEFAULT 30 CHECK (adjacency_minutes BETWEEN 0 AND 720),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE members (
  site_id uuid NOT NULL REFERENCES sites (site_id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  email text NOT NULL,
  display_name text NOT NULL,
  rank text NOT NULL DEFAULT '',
  role text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
  password_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id)
);
CREATE UNIQUE INDEX members_email ON members (site_id, lower(email));
-- Login looks a member up by email before it knows the site.
CREATE INDEX members_email_any_site ON members (lower(email));

CREATE TABLE squads (
  site_id uuid NOT NULL REFERENCES sites (site_id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id),
  UNIQUE (site_id, name)
);

CREATE TABLE squad_members (
  site_id uuid NOT NULL,
  squad_id uuid NOT NULL,
  member_id uuid NOT NULL,
  is_leader boolean NOT NULL DEFAULT false,
  PRIMARY KEY (site_id, squad_id, member_id),
  FOREIGN KEY (site_id, squad_id) REFERENCES squads (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE
);
CREATE INDEX squad_members_member ON squad_members (site_id, member_id);

CREATE TABLE spaces (
  site_id uuid NOT NULL REFERENCES sites (site_id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('training', 'sparring', 'briefing', 'cabin', 'other')),
  capacity integer NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
  changeover_minutes integer NOT NULL DEFAULT 0 CHECK (changeover_minutes BETWEEN 0 AND 1440),
  -- {"mon": [{"open": "06:00", "close": "02:00"}], ...}; null = always open. A close at or
  -- before the open runs past midnight.
  opening_hours jsonb,
  min_minutes integer NOT NULL DEFAULT 15 CHECK (min_minutes >= 1),
  max_minutes integer NOT NULL DEFAULT 240 CHECK (max_minutes >= min_minutes),
  -- everyone | restricted (allowed_roles / allowed_squads) | owner (a private cabin: owner and admins)
  access text NOT NULL DEFAULT 'everyone' CHECK (access IN ('everyone', 'restricted', 'owner')),
  allowed_roles text[] NOT NULL DEFAULT '{}',
  allowed_squads uuid[] NOT NULL DEFAULT '{}',
  owner_id uuid,
  checkin_open_minutes integer NOT NULL DEFAULT 10 CHECK (checkin_open_minutes BETWEEN 0 AND 240),
  release_after_minutes integer NOT NULL DEFAULT 15 CHECK (release_after_minutes BETWEEN 1 AND 1440),
  has_door boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id),
  UNIQUE (site_id, name),
  FOREIGN KEY (site_id, owner_id) REFERENCES members (site_id, id),
  CHECK (access <> 'owner' OR owner_id IS NOT NULL)
);

CREATE TABLE bookings (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  space_id uuid NOT NULL,
  organizer_id uuid NOT NULL,
  title text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  -- The time the space is taken: the booking plus the space's changeover at booking time.
  blocked tstzrange NOT NULL,
  headcount integer NOT NULL DEFAULT 1 CHECK (headcount >= 1),
  visibility text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
  status text NOT NULL DEFAULT 'confirmed'
    CHECK (status IN ('confirmed', 'checked_in', 'completed', 'cancelled', 'released')),
  series_id uuid,
  original_start timestamptz,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, space_id) REFERENCES spaces (site_id, id),
  FOREIGN KEY (site_id, organizer_id) REFERENCES members (site_id, id),
  CHECK (end_at > start_at),
  CHECK (NOT isempty(blocked) AND lower(blocked) = start_at AND upper(blocked) >= end_at),
  -- The rule the product exists for: two active bookings of one space never overlap,
  -- changeover included. Enforced here so it holds under any concurrency.
  CONSTRAINT bookings_no_overlap EXCLUDE USING gist (site_id WITH =, space_id WITH =, blocked WITH &&)
    WHERE (status IN ('confirmed', 'checked_in'))
);
CREATE INDEX bookings_organizer ON bookings (site_id, organizer_id, start_at);
-- Lists page by (start, id), by site or by space. Availability uses the constraint's gist index.
CREATE INDEX bookings_start ON bookings (site_id, start_at, id);
CREATE INDEX bookings_space_start ON bookings (site_id, space_id, start_at, id);

CREATE TABLE booking_members (
  site_id uuid NOT NULL,
  booking_id uuid NOT NULL,
  member_id uuid NOT NULL,
  PRIMARY KEY (site_id, booking_id, member_id),
  FOREIGN KEY (site_id, booking_id) REFERENCES bookings (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id)
);
CREATE INDEX booking_members_member ON booking_members (site_id, member_id);

CREATE TABLE booking_squads (
  site_id uuid NOT NULL,
  booking_id uuid NOT NULL,
  squad_id uuid NOT NULL,
  PRIMARY KEY (site_id, booking_id, squad_id),
  FOREIGN KEY (site_id, booking_id) REFERENCES bookings (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, squad_id) REFERENCES squads (site_id, id)
);
CREATE INDEX booking_squads_squad ON booking_squads (site_id, squad_id);

-- The audit trail and the single source of notifications: one row per change,
-- written in the transaction of the change.
CREATE TABLE events (
  site_id uuid NOT NULL REFERENCES sites (site_id),
  id bigint GENERATED ALWAYS AS IDENTITY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid,
  type text NOT NULL,
  subject_type text NOT NULL,
  subject_id uuid,
  before jsonb,
  after jsonb,
  reason text,
  PRIMARY KEY (site_id, id)
);
CREATE INDEX events_subject ON events (site_id, subject_type, subject_id);
CREATE INDEX events_id ON events (id);

-- Session cookies and bearer tokens, stored only as SHA-256 hashes.
CREATE TABLE auth_tokens (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  member_id uuid NOT NULL,
  token_hash text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('session', 'api')),
  name text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (site_id, id),
  UNIQUE (site_id, token_hash),
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE
);
-- A presented token names no site, so it is found by its hash alone.
CREATE INDEX auth_tokens_hash ON auth_tokens (token_hash);

-- First answers of POSTs that carried an Idempotency-Key, replayed on retry.
CREATE TABLE idempotency_keys (
  site_id uuid NOT NULL,
  member_id uuid NOT NULL,
  key text NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  request_hash text NOT NULL,
  status_code integer NOT NULL,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, member_id, key)
);
