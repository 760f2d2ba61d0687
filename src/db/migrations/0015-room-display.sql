-- Room displays (features/display): a tablet at a space's door shows its day through a secret link.
-- The link's token is stored only as SHA-256; revoking it ends its page and its live stream.
CREATE TABLE display_links (
  site_id uuid NOT NULL REFERENCES sites (site_id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  space_id uuid NOT NULL,
  token_hash text NOT NULL,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  PRIMARY KEY (site_id, id),
  UNIQUE (site_id, token_hash),
  FOREIGN KEY (site_id, space_id) REFERENCES spaces (site_id, id),
  FOREIGN KEY (site_id, created_by) REFERENCES members (site_id, id)
);
-- A presented token names no site, so it is found by its hash alone.
CREATE INDEX display_links_hash ON display_links (token_hash);

-- The short code a participant enters at the display to check in; shown to the booking's people
-- only. Six digits: the display looks it up only among the few bookings of its space whose
-- check-in window is open, and its route is rate-limited, so guessing is no shortcut.
ALTER TABLE bookings ADD COLUMN checkin_code text NOT NULL
  DEFAULT lpad(floor(random() * 1000000)::int::text, 6, '0');

-- A member's code for "book now" at a room display, which has no login. Eight digits, looked up
-- within the link's site only (a code two members share opens nothing); the route is rate-limited.
ALTER TABLE members ADD COLUMN display_code text NOT NULL
  DEFAULT lpad(floor(random() * 100000000)::bigint::text, 8, '0');
CREATE INDEX members_display_code ON members (site_id, display_code);
