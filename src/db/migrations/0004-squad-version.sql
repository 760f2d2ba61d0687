-- Squads get a version, so an edit can say which one it was made against (If-Match).
ALTER TABLE squads ADD COLUMN version integer NOT NULL DEFAULT 1;
