import type { Queryable } from '../../db/store.ts';

export interface MemberRow {
  id: string;
  siteId: string;
  email: string;
  displayName: string;
  rank: string;
  role: 'admin' | 'member';
  createdAt: Date;
  mustChangePassword: boolean;
  deactivatedAt: Date | null;
  squads: { id: string; name: string; leader: boolean }[];
}

const memberColumns = `m.id, m.site_id AS "siteId", m.email, m.display_name AS "displayName", m.rank, m.role,
  m.created_at AS "createdAt", m.must_change_password AS "mustChangePassword",
  m.deactivated_at AS "deactivatedAt",
  COALESCE((SELECT json_agg(json_build_object('id', s.id, 'name', s.name, 'leader', sm.is_leader) ORDER BY s.name)
     FROM squad_members sm JOIN squads s ON s.site_id = sm.site_id AND s.id = sm.squad_id
    WHERE sm.site_id = m.site_id AND sm.member_id = m.id), '[]'::json) AS squads`;

export async function findMember(db: Queryable, siteId: string, id: string): Promise<MemberRow | undefined> {
  const res = await db.query<MemberRow>(
    `SELECT ${memberColumns} FROM members m WHERE m.site_id = $1 AND m.id = $2`,
    [siteId, id],
  );
  return res.rows[0];
}

/** Keyset page ordered by display name then id, so a cursor survives inserts. */
export async function listMembers(
  db: Queryable,
  siteId: string,
  opts: { query?: string | undefined; after?: { name: string; id: string } | undefined; limit: number },
): Promise<MemberRow[]> {
  const params: unknown[] = [siteId, opts.limit];
  let where = 'm.site_id = $1';
  if (opts.query) {
    params.push(`%${opts.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where += ` AND (m.display_name ILIKE $${params.length} OR m.email ILIKE $${params.length})`;
  }
  if (opts.after) {
    params.push(opts.after.name, opts.after.id);
    where += ` AND (m.display_name, m.id) > ($${params.length - 1}, $${params.length}::uuid)`;
  }
  const res = await db.query<MemberRow>(
    `SELECT ${memberColumns} FROM members m WHERE ${where} ORDER BY m.display_name, m.id LIMIT $2`,
    params,
  );
  return res.rows;
}

export async function insertMember(
  db: Queryable,
  m: {
    siteId: string;
    email: string;
    displayName: string;
    rank: string;
    role: 'admin' | 'member';
    passwordHash: string | null;
    id?: string;
  },
): Promise<string> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO members (site_id, id, email, display_name, rank, role, password_hash)
     VALUES ($1, COALESCE($7::uuid, gen_random_uuid()), $2, $3, $4, $5, $6) RETURNING id`,
    [m.siteId, m.email, m.displayName, m.rank, m.role, m.passwordHash, m.id ?? null],
  );
  return res.rows[0]!.id;
}

export async function emailTaken(db: Queryable, siteId: string, email: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM members WHERE site_id = $1 AND lower(email) = lower($2)', [
    siteId,
    email,
  ]);
  return res.rows.length > 0;
}

/** Which of the given ids are members of the site. */
export async function existingMemberIds(db: Queryable, siteId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await db.query<{ id: string }>(
    'SELECT id FROM members WHERE site_id = $1 AND id = ANY($2::uuid[])',
    [siteId, ids],
  );
  return new Set(res.rows.map((r) => r.id));
}

/** Marks a member deactivated (kept, with their history); false when already deactivated. */
export async function deactivateMember(
  db: Queryable,
  siteId: string,
  id: string,
  now: Date,
): Promise<boolean> {
  const res = await db.query(
    'UPDATE members SET deactivated_at = $3 WHERE site_id = $1 AND id = $2 AND deactivated_at IS NULL',
    [siteId, id, now],
  );
  return res.affectedRows > 0;
}

/** The member's confirmed bookings as organizer that have not started: released on deactivation. */
export async function futureBookingsOrganizedBy(
  db: Queryable,
  siteId: string,
  memberId: string,
  now: Date,
): Promise<string[]> {
  const res = await db.query<{ id: string }>(
    `SELECT id FROM bookings
      WHERE site_id = $1 AND organizer_id = $2 AND status = 'confirmed' AND start_at >= $3
      ORDER BY start_at`,
    [siteId, memberId, now],
  );
  return res.rows.map((r) => r.id);
}

/** Ends the member's active series, so the horizon job books no more in their name; answers their ids. */
export async function endSeriesOrganizedBy(
  db: Queryable,
  siteId: string,
  memberId: string,
): Promise<string[]> {
  const res = await db.query<{ id: string }>(
    `UPDATE series SET status = 'ended', version = version + 1
      WHERE site_id = $1 AND organizer_id = $2 AND status = 'active' RETURNING id`,
    [siteId, memberId],
  );
  return res.rows.map((r) => r.id);
}

/** Changes the given fields of a member; false when there is no such member. */
export async function updateMember(
  db: Queryable,
  siteId: string,
  id: string,
  patch: {
    displayName?: string | undefined;
    rank?: string | undefined;
    email?: string | undefined;
    role?: 'admin' | 'member' | undefined;
  },
): Promise<boolean> {
  const res = await db.query(
    `UPDATE members SET display_name = COALESCE($3, display_name), rank = COALESCE($4, rank),
            email = COALESCE($5, email), role = COALESCE($6, role)
      WHERE site_id = $1 AND id = $2`,
    [siteId, id, patch.displayName ?? null, patch.rank ?? null, patch.email ?? null, patch.role ?? null],
  );
  return res.affectedRows > 0;
}

/** Whether another member of the site than the given one holds the email. */
export async function emailTakenByOther(
  db: Queryable,
  siteId: string,
  email: string,
  id: string,
): Promise<boolean> {
  const res = await db.query(
    'SELECT 1 FROM members WHERE site_id = $1 AND lower(email) = lower($2) AND id <> $3',
    [siteId, email, id],
  );
  return res.rows.length > 0;
}

/**
 * How many admins of the site are not deactivated, their rows locked: two admins demoted at once
 * cannot both see the other still an admin.
 */
export async function countActiveAdmins(db: Queryable, siteId: string): Promise<number> {
  const res = await db.query<{ id: string }>(
    "SELECT id FROM members WHERE site_id = $1 AND role = 'admin' AND deactivated_at IS NULL FOR UPDATE",
    [siteId],
  );
  return res.rows.length;
}

/**
 * Clears a member's deactivation; their old password no longer works, so they sign in again only
 * after an admin resets it. False when the member is not deactivated.
 */
export async function reactivateMember(db: Queryable, siteId: string, id: string): Promise<boolean> {
  const res = await db.query(
    `UPDATE members SET deactivated_at = NULL, password_hash = NULL, must_change_password = true
      WHERE site_id = $1 AND id = $2 AND deactivated_at IS NOT NULL`,
    [siteId, id],
  );
  return res.affectedRows > 0;
}
