-- How many minutes before a session ends its members hear that the next booking is due; 0 turns
-- heads-ups off for the site. Existing sites keep the former fixed lead of 10 minutes.
ALTER TABLE sites ADD COLUMN heads_up_minutes integer NOT NULL DEFAULT 10 CHECK (heads_up_minutes BETWEEN 0 AND 240);
