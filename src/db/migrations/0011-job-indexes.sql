-- The timed jobs (no-show releases, completions, heads-ups) look for bookings of every site by the
-- instant something falls due. These partial indexes keep the bookings still in play in the order of
-- that instant, so a job pass reads only the window it looks at: its cost follows the work due, not
-- the size of a fleet's store.
CREATE INDEX bookings_confirmed_start ON bookings (start_at) WHERE status = 'confirmed';
CREATE INDEX bookings_active_end ON bookings (end_at) WHERE status IN ('confirmed', 'checked_in');
