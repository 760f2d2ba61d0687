-- A version per member's duty roster (shifts and leave), raised by the database on every change,
-- so a server may keep a member's expanded roster between requests and know exactly when it is
-- stale: it reads the version with the member and reloads only on a difference. A trigger rather
-- than application code, so every writer (and every server sharing the store) raises it.
CREATE TABLE roster_versions (
  site_id uuid NOT NULL,
  member_id uuid NOT NULL,
  version bigint NOT NULL DEFAULT 1,
  PRIMARY KEY (site_id, member_id)
);

CREATE FUNCTION shipshape_roster_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  INSERT INTO roster_versions (site_id, member_id) VALUES (r.site_id, r.member_id)
  ON CONFLICT (site_id, member_id) DO UPDATE SET version = roster_versions.version + 1;
  IF TG_OP = 'UPDATE' AND (OLD.site_id, OLD.member_id) IS DISTINCT FROM (NEW.site_id, NEW.member_id) THEN
    INSERT INTO roster_versions (site_id, member_id) VALUES (OLD.site_id, OLD.member_id)
    ON CONFLICT (site_id, member_id) DO UPDATE SET version = roster_versions.version + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER duty_shifts_roster_version AFTER INSERT OR UPDATE OR DELETE ON duty_shifts
  FOR EACH ROW EXECUTE FUNCTION shipshape_roster_changed();
CREATE TRIGGER member_leave_roster_version AFTER INSERT OR UPDATE OR DELETE ON member_leave
  FOR EACH ROW EXECUTE FUNCTION shipshape_roster_changed();
