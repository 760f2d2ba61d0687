-- The utilization report (features/reports) needs when a session was checked in to (hours used run
-- from there to its check-out or end) and when it was cancelled (a cancellation within an hour of
-- the start counts apart). Both are written by the services with their clock; rows from before this
-- migration take them from their events (the check-in's event, else the start; the last update).
ALTER TABLE bookings ADD COLUMN checked_in_at timestamptz;
ALTER TABLE bookings ADD COLUMN cancelled_at timestamptz;

UPDATE bookings b
   SET checked_in_at = COALESCE(
         (SELECT min(e.at) FROM events e
           WHERE e.site_id = b.site_id AND e.subject_type = 'booking' AND e.subject_id = b.id
             AND e.type = 'booking.checked-in'),
         b.start_at)
 WHERE b.status IN ('checked_in', 'completed');
UPDATE bookings SET cancelled_at = updated_at WHERE status = 'cancelled';
