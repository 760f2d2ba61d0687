import type { Queryable } from '../../db/store.ts';

export interface SquadRow {
  id: string;
  siteId: string;
  name: string;
  version: number;
  people: { id: string; displayName: string; rank: string; leader: boolean }[];
}

const squadColumns = `s.id, s.site_id AS "siteId", s.name, s.version,
  COALESCE((SELECT json_agg(json_build_object('id', m.id, 'displayName', m.display_name, 'rank', m.rank,
                                              'leader', sm.is_leader) ORDER BY m.display_name, m.id)
     FROM squad_members sm JOIN members m ON m.site_id = sm.site_id AND m.id = sm.member_id
    WHERE sm.site_id = s.site_id AND sm.squad_id = s.id), '[]'::json) AS people`;

export async function findSquad(db: Queryable, siteId: string, id: string): Promise<SquadRow | undefined> {
  const res = await db.query<SquadRow>(
    `SELECT ${squadColumns} FROM squads s WHERE s.site_id = $1 AND s.id = $2`,
    [siteId, id],
  );
  return res.rows[0];
}

/** Keyset page by name then id. */
export async function listSquads(
  db: Queryable,
  siteId: string,
  opts: { after?: { name: string; id: string } | undefined; limit: number },
): Promise<SquadRow[]> {
  const params: unknown[] = [siteId, opts.limit];
  let where = 's.site_id = $1';
  if (opts.after) {
    params.push(opts.after.name, opts.after.id);
    where += ' AND (s.name, s.id) > ($3, $4::uuid)';
  }
  const res = await db.query<SquadRow>(
    `SELECT ${squadColumns} FROM squads s WHERE ${where} ORDER BY s.name, s.id LIMIT $2`,
    params,
  );
  return res.rows;
}

export async function nameTaken(
  db: Queryable,
  siteId: string,
  name: string,
  exceptId?: string,
): Promise<boolean> {
  const res = await db.query(
    'SELECT 1 FROM squads WHERE site_id = $1 AND name = $2 AND ($3::uuid IS NULL OR id <> $3::uuid)',
    [siteId, name, exceptId ?? null],
  );
  return res.rows.length > 0;
}

export async function insertSquad(db: Queryable, siteId: string, name: string): Promise<string> {
  const res = await db.query<{ id: string }>(
    'INSERT INTO squads (site_id, name) VALUES ($1, $2) RETURNING id',
    [siteId, name],
  );
  return res.rows[0]!.id;
}

export async function renameSquad(db: Queryable, siteId: string, id: string, name: string): Promise<void> {
  await db.query('UPDATE squads SET name = $3 WHERE site_id = $1 AND id = $2', [siteId, id, name]);
}

/** Replaces the squad's people; leaders must be among `memberIds`. */
export async function replaceSquadMembers(
  db: Queryable,
  siteId: string,
  squadId: string,
  memberIds: string[],
  leaderIds: string[],
): Promise<void> {
  await db.query('DELETE FROM squad_members WHERE site_id = $1 AND squad_id = $2', [siteId, squadId]);
  if (memberIds.length === 0) return;
  await db.query(
    `INSERT INTO squad_members (site_id, squad_id, member_id, is_leader)
     SELECT $1, $2, m, m = ANY($4::uuid[]) FROM unnest($3::uuid[]) AS m`,
    [siteId, squadId, memberIds, leaderIds],
  );
}

/** Locks the squad row so concurrent edits of its people apply one after the other. */
export async function lockSquad(db: Queryable, siteId: string, id: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM squads WHERE site_id = $1 AND id = $2 FOR UPDATE', [siteId, id]);
  return res.rows.length > 0;
}

export async function isLeader(
  db: Queryable,
  siteId: string,
  squadId: string,
  memberId: string,
): Promise<boolean> {
  const res = await db.query(
    'SELECT 1 FROM squad_members WHERE site_id = $1 AND squad_id = $2 AND member_id = $3 AND is_leader',
    [siteId, squadId, memberId],
  );
  return res.rows.length > 0;
}

/** Which of the given ids are squads of the site. */
export async function existingSquadIds(db: Queryable, siteId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await db.query<{ id: string }>(
    'SELECT id FROM squads WHERE site_id = $1 AND id = ANY($2::uuid[])',
    [siteId, ids],
  );
  return new Set(res.rows.map((r) => r.id));
}

/** Marks a change of the squad: its version moves on (the ETag clients compare with If-Match). */
export async function bumpSquadVersion(db: Queryable, siteId: string, id: string): Promise<void> {
  await db.query('UPDATE squads SET version = version + 1 WHERE site_id = $1 AND id = $2', [siteId, id]);
}
