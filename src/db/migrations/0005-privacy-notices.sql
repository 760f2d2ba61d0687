-- Spaces say how bookings in them are seen unless the booking says otherwise: a private cabin's
-- bookings are private by default (issue 7.2).
ALTER TABLE spaces ADD COLUMN default_visibility text
  CHECK (default_visibility IN ('public', 'private'));
UPDATE spaces SET default_visibility = CASE WHEN kind = 'cabin' OR access = 'owner' THEN 'private' ELSE 'public' END;

-- A space inserted without one (an older export, a script) gets the default of its kind and access.
CREATE FUNCTION shipshape_space_default_visibility() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.default_visibility IS NULL THEN
    NEW.default_visibility := CASE WHEN NEW.kind = 'cabin' OR NEW.access = 'owner' THEN 'private' ELSE 'public' END;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER spaces_default_visibility BEFORE INSERT OR UPDATE ON spaces
  FOR EACH ROW EXECUTE FUNCTION shipshape_space_default_visibility();
ALTER TABLE spaces ALTER COLUMN default_visibility SET NOT NULL;

-- The feed is ordered by when a notice was created, newest first (issue 7.13); ids are only the
-- tie-break, since a notice of an event committed late gets a higher id than newer ones.
CREATE INDEX notifications_feed_created ON notifications (site_id, member_id, created_at DESC, id DESC);
