-- One person, one place: a series an admin booked with leave to overlap its members' other
-- sessions keeps that leave, so the horizon job books its later occurrences the same way.
ALTER TABLE series ADD COLUMN allow_member_overlap boolean NOT NULL DEFAULT false;
