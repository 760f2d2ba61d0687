import type { Queryable } from '../../db/store.ts';

export interface MemberRow {
  id: string;
  siteId: string;
  email: string;
  displayName: string;
  rank: string;
  role: 'admin' | 'member';
  createdAt: Date;
  squads: { id: string; name: string; leader: boolean }[];
}

const memberColumns = `m.id, m.site_id AS "siteId", m.email, m.display_name AS "displayName", m.rank, m.role,
  m.created_at AS "createdAt",
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
