-- Doors of spaces (a cabin, the lounge) with MQTT locks in the Zigbee2MQTT convention, the requests
-- sent to them, the guests a cabin's owner lets in, and the alarm episodes. Every key holds site_id.

-- How long a door may stay unlocked (or open) while its space is not in use before its owner hears.
ALTER TABLE sites ADD COLUMN door_alarm_seconds integer NOT NULL DEFAULT 300
  CHECK (door_alarm_seconds BETWEEN 10 AND 86400);

CREATE TABLE doors (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  space_id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- The lock's base topic: commands go to <topic>/set, state comes on <topic>, <topic>/availability.
  topic text NOT NULL CHECK (length(topic) BETWEEN 1 AND 200 AND topic !~ '[#+]' AND topic !~ '/set$'),
  has_contact boolean NOT NULL DEFAULT false,
  -- What the lock does without power: fail-safe opens, fail-secure stays locked (recorded, shown).
  fail_mode text NOT NULL DEFAULT 'secure' CHECK (fail_mode IN ('safe', 'secure')),
  -- 0 = no automatic relock.
  relock_seconds integer NOT NULL DEFAULT 0 CHECK (relock_seconds BETWEEN 0 AND 86400),
  -- null = the site's door_alarm_seconds.
  alarm_seconds integer CHECK (alarm_seconds BETWEEN 10 AND 86400),
  -- The last state the device reported (null = never): locked | unlocked | not_fully_locked.
  lock_state text CHECK (lock_state IN ('locked', 'unlocked', 'not_fully_locked')),
  -- Contact sensor: true = closed, false = open, null = never reported.
  contact boolean,
  -- Availability as last published: null = never.
  online boolean,
  -- Since when the door has been (not fully) unlocked / open, for the alarms.
  unlocked_since timestamptz,
  open_since timestamptz,
  -- Last message of any kind from the device (written on changes and at most every 30 s otherwise).
  seen_at timestamptz,
  -- When the door is due to be locked again (relock_seconds after it was unlocked); claimed once.
  relock_at timestamptz,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id),
  UNIQUE (site_id, space_id),
  UNIQUE (site_id, topic),
  FOREIGN KEY (site_id, space_id) REFERENCES spaces (site_id, id)
);
-- The relock task looks for doors due.
CREATE INDEX doors_relock ON doors (relock_at) WHERE relock_at IS NOT NULL;

-- Unlock and lock requests: pending until the lock's state confirms them or their deadline passes.
CREATE TABLE door_requests (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  door_id uuid NOT NULL,
  -- null = the system (an automatic relock).
  actor_id uuid,
  action text NOT NULL CHECK (action IN ('lock', 'unlock')),
  status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'timed_out')),
  reason text,
  requested_at timestamptz NOT NULL,
  deadline_at timestamptz NOT NULL,
  settled_at timestamptz,
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, door_id) REFERENCES doors (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, actor_id) REFERENCES members (site_id, id)
);
CREATE INDEX door_requests_door ON door_requests (site_id, door_id, requested_at DESC);
-- The timeout task scans pending requests only.
CREATE INDEX door_requests_pending ON door_requests (deadline_at) WHERE status = 'pending';

-- Members a cabin's owner lets in: during the owner's bookings of the space (no window), or within
-- [from_at, until_at). Deleting the row revokes at once.
CREATE TABLE door_guests (
  site_id uuid NOT NULL,
  door_id uuid NOT NULL,
  member_id uuid NOT NULL,
  from_at timestamptz,
  until_at timestamptz,
  added_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, door_id, member_id),
  FOREIGN KEY (site_id, door_id) REFERENCES doors (site_id, id) ON DELETE CASCADE,
  FOREIGN KEY (site_id, member_id) REFERENCES members (site_id, id) ON DELETE CASCADE,
  CHECK ((from_at IS NULL) = (until_at IS NULL) AND (from_at IS NULL OR until_at > from_at))
);

-- Alarm episodes: one open row per door and kind (the unique index makes two servers raise it once);
-- notified_at moves when the hourly reminder goes out.
CREATE TABLE door_alarms (
  site_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  door_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('left-unlocked', 'held-open', 'forced-open')),
  started_at timestamptz NOT NULL,
  notified_at timestamptz NOT NULL,
  ended_at timestamptz,
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, door_id) REFERENCES doors (site_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX door_alarms_open ON door_alarms (site_id, door_id, kind) WHERE ended_at IS NULL;
