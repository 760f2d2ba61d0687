-- The door-alarm job (every 5 s, and the scheduler's look ahead) reads the doors that are
-- (not fully) unlocked or open, and those with an open alarm episode. At rest a door is neither, so
-- this index holds only the doors with something to watch, and the job's cost follows them instead
-- of the number of doors in the fleet (issue 13, bench/fleet.ts). Open episodes are found through
-- door_alarms_open, which holds only those.
CREATE INDEX doors_unsettled ON doors (site_id, id) WHERE unlocked_since IS NOT NULL OR open_since IS NOT NULL;
