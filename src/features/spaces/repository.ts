import type { Queryable } from '../../db/store.ts';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export type OpeningHours = Partial<Record<Weekday, { open: string; close: string }[]>>;

export interface SpaceRow {
  id: string;
  siteId: string;
  name: string;
  kind: 'training' | 'sparring' | 'briefing' | 'cabin' | 'other';
  capacity: number;
  changeoverMinutes: number;
  openingHours: OpeningHours | null;
  minMinutes: number;
  maxMinutes: number;
  access: 'everyone' | 'restricted' | 'owner';
  allowedRoles: ('admin' | 'member')[];
  allowedSquadIds: string[];
  ownerId: string | null;
  checkInOpenMinutes: number;
  releaseAfterMinutes: number;
  hasDoor: boolean;
  /** The visibility a booking in the space takes unless it says otherwise (cabins: private). */
  defaultVisibility: 'public' | 'private';
  version: number;
}

/** Everything a space is made of, as the service has validated it. */
export type SpaceFields = Omit<SpaceRow, 'id' | 'siteId' | 'version'>;

// Arrays are read back as JSON so both drivers give plain string arrays.
const spaceColumns = `id, site_id AS "siteId", name, kind, capacity, changeover_minutes AS "changeoverMinutes",
  opening_hours AS "openingHours", min_minutes AS "minMinutes", max_minutes AS "maxMinutes", access,
  to_json(allowed_roles) AS "allowedRoles", to_json(allowed_squads) AS "allowedSquadIds", owner_id AS "ownerId",
  checkin_open_minutes AS "checkInOpenMinutes", release_after_minutes AS "releaseAfterMinutes",
  has_door AS "hasDoor", default_visibility AS "defaultVisibility", version`;

/** One space; `forUpdate` locks its row so concurrent changes apply one after the other. */
export async function findSpace(
  db: Queryable,
  siteId: string,
  id: string,
  forUpdate = false,
): Promise<SpaceRow | undefined> {
  const res = await db.query<SpaceRow>(
    `SELECT ${spaceColumns} FROM spaces WHERE site_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [siteId, id],
  );
  return res.rows[0];
}

/** Keyset page by name then id. */
export async function listSpaces(
  db: Queryable,
  siteId: string,
  opts: { after?: { name: string; id: string } | undefined; limit: number },
): Promise<SpaceRow[]> {
  const params: unknown[] = [siteId, opts.limit];
  let where = 'site_id = $1';
  if (opts.after) {
    params.push(opts.after.name, opts.after.id);
    where += ' AND (name, id) > ($3, $4::uuid)';
  }
  const res = await db.query<SpaceRow>(
    `SELECT ${spaceColumns} FROM spaces WHERE ${where} ORDER BY name, id LIMIT $2`,
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
    'SELECT 1 FROM spaces WHERE site_id = $1 AND name = $2 AND ($3::uuid IS NULL OR id <> $3::uuid)',
    [siteId, name, exceptId ?? null],
  );
  return res.rows.length > 0;
}

function values(f: SpaceFields): unknown[] {
  return [
    f.name,
    f.kind,
    f.capacity,
    f.changeoverMinutes,
    f.openingHours === null ? null : JSON.stringify(f.openingHours),
    f.minMinutes,
    f.maxMinutes,
    f.access,
    f.allowedRoles,
    f.allowedSquadIds,
    f.ownerId,
    f.checkInOpenMinutes,
    f.releaseAfterMinutes,
    f.hasDoor,
    f.defaultVisibility,
  ];
}

export async function insertSpace(db: Queryable, siteId: string, f: SpaceFields): Promise<string> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO spaces (site_id, name, kind, capacity, changeover_minutes, opening_hours, min_minutes, max_minutes,
       access, allowed_roles, allowed_squads, owner_id, checkin_open_minutes, release_after_minutes, has_door,
       default_visibility)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10::text[], $11::uuid[], $12, $13, $14, $15, $16)
     RETURNING id`,
    [siteId, ...values(f)],
  );
  return res.rows[0]!.id;
}

/** Writes all fields and bumps the version; false when the version moved meanwhile. */
export async function updateSpace(
  db: Queryable,
  siteId: string,
  id: string,
  version: number,
  f: SpaceFields,
): Promise<boolean> {
  const res = await db.query(
    `UPDATE spaces SET name = $4, kind = $5, capacity = $6, changeover_minutes = $7, opening_hours = $8::jsonb,
            min_minutes = $9, max_minutes = $10, access = $11, allowed_roles = $12::text[],
            allowed_squads = $13::uuid[], owner_id = $14, checkin_open_minutes = $15,
            release_after_minutes = $16, has_door = $17, default_visibility = $18, version = version + 1
      WHERE site_id = $1 AND id = $2 AND version = $3`,
    [siteId, id, version, ...values(f)],
  );
  return res.affectedRows > 0;
}
