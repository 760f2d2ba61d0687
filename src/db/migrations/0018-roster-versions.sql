-- A version per member's duty roster (shifts and leave), changed by the database on every change,
-- so a server may keep a member's expanded roster between requests and know exactly when it is
-- stale: it reads the version with the member and reloads only on a difference. A trigger rather
-- than application code, so every writer (and every server sharing the store) changes it. Versions
-- come from a sequence, which never hands out a number twice, not even one of a rolled-back change.
CREATE SEQUENCE roster_version_seq;
CREATE TABLE roster_versions (
  site_id uuid NOT NULL,
  member_id uuid NOT NULL,
  version bigint NOT NULL DEFAULT nextval('roster_version_seq'),
  PRIMARY KEY (site_id, member_id)
);

CREATE FUNCTION shipshape_roster_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  INSERT INTO roster_versions (site_id, member_id) VALUES (r.site_id, r.member_id)
  ON CONFLICT (site_id, member_id) DO UPDATE SET version = nextval('roster_version_seq');
  IF TG_OP = 'UPDATE' AND (OLD.site_id, OLD.member_id) IS DISTINCT FROM (NEW.site_id, NEW.member_id) THEN
    INSERT INTO roster_versions (site_id, member_id) VALUES (OLD.site_id, OLD.member_id)
    ON CONFLICT (site_id, member_id) DO UPDATE SET version = nextval('roster_version_seq');
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER duty_shifts_roster_version AFTER INSERT OR UPDATE OR DELETE ON duty_shifts
  FOR EACH ROW EXECUTE FUNCTION shipshape_roster_changed();
CREATE TRIGGER member_leave_roster_version AFTER INSERT OR UPDATE OR DELETE ON member_leave
  FOR EACH ROW EXECUTE FUNCTION shipshape_roster_changed();
