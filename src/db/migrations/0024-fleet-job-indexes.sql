-- Indexes that make two timed jobs cost what is due instead of the size of the fleet (issue 13,
-- bench/fleet.ts at 10 and 1,000 sites).

-- The door-alarm job (every 5 s, and the scheduler's look ahead) reads the doors that are
-- (not fully) unlocked or open, and those with an open alarm episode. At rest a door is neither, so
-- this index holds only the doors with something to watch, and the job's cost follows them instead
-- of the number of doors in the fleet (issue 13, bench/fleet.ts). Open episodes are found through
-- door_alarms_open, which holds only those.
CREATE INDEX doors_unsettled ON doors (site_id, id) WHERE unlocked_since IS NOT NULL OR open_since IS NOT NULL;

-- The complete-finished job claims checked-in sessions whose end has passed. Through
-- bookings_active_end (confirmed and checked in) the planner cannot tell that no past session is
-- still active, so at fleet size it chose a sequential scan of every booking (1.2–2.7 s a pass at
-- 10M bookings). Sessions under way are few: this index holds only them.
CREATE INDEX bookings_checked_in_end ON bookings (end_at) WHERE status = 'checked_in';
