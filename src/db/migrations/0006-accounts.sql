-- Accounts a crew can run: a member may have to set a new password at the next sign-in (after an
-- admin reset it), and a deactivated member keeps their history but can no longer sign in.
ALTER TABLE members ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
ALTER TABLE members ADD COLUMN deactivated_at timestamptz;
