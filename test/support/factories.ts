import { randomBytes } from 'node:crypto';
import type { OpeningHours } from '../../src/domain/opening-hours.ts';
import { forgetCachedActors } from '../../src/features/auth/service.ts';
import type { TestApp } from './app.ts';

/** Test data inserted by SQL, so suites do not depend on the spaces/squads API. */

export interface SpaceOverrides {
  name?: string;
  kind?: 'training' | 'sparring' | 'briefing' | 'cabin' | 'other';
  capacity?: number;
  changeoverMinutes?: number;
  openingHours?: OpeningHours | null;
  minMinutes?: number;
  maxMinutes?: number;
  access?: 'everyone' | 'restricted' | 'owner';
  allowedRoles?: string[];
  allowedSquads?: string[];
  ownerId?: string | null;
}

const unique = () => randomBytes(4).toString('hex');

export async function buildSpace(t: TestApp, o: SpaceOverrides = {}, siteId = t.siteId): Promise<string> {
  const res = await t.db.query<{ id: string }>(
    `INSERT INTO spaces (site_id, name, kind, capacity, changeover_minutes, opening_hours, min_minutes, max_minutes,
                         access, allowed_roles, allowed_squads, owner_id)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10::text[], $11::uuid[], $12) RETURNING id`,
    [
      siteId,
      o.name ?? `Space ${unique()}`,
      o.kind ?? 'training',
      o.capacity ?? 10,
      o.changeoverMinutes ?? 0,
      o.openingHours === undefined || o.openingHours === null ? null : JSON.stringify(o.openingHours),
      o.minMinutes ?? 15,
      o.maxMinutes ?? 240,
      o.access ?? 'everyone',
      o.allowedRoles ?? [],
      o.allowedSquads ?? [],
      o.ownerId ?? null,
    ],
  );
  return res.rows[0]!.id;
}

/** A squad with leaders and members (member ids); tokens pick the membership up on the next request. */
export async function buildSquad(
  t: TestApp,
  o: { name?: string; leaders?: string[]; members?: string[] } = {},
): Promise<string> {
  const res = await t.db.query<{ id: string }>(
    'INSERT INTO squads (site_id, name) VALUES ($1, $2) RETURNING id',
    [t.siteId, o.name ?? `Squad ${unique()}`],
  );
  const id = res.rows[0]!.id;
  for (const m of o.leaders ?? [])
    await t.db.query(
      'INSERT INTO squad_members (site_id, squad_id, member_id, is_leader) VALUES ($1, $2, $3, true)',
      [t.siteId, id, m],
    );
  for (const m of o.members ?? [])
    await t.db.query(
      'INSERT INTO squad_members (site_id, squad_id, member_id, is_leader) VALUES ($1, $2, $3, false)',
      [t.siteId, id, m],
    );
  // Squads are part of the cached caller; this factory bypasses the service that would forget it.
  forgetCachedActors();
  return id;
}

/** A second site with one member, to check that other sites' objects are invisible. */
export async function buildOtherSite(t: TestApp): Promise<{ siteId: string; memberId: string }> {
  const site = await t.db.query<{ id: string }>(
    `INSERT INTO sites (name, time_zone) VALUES ($1, 'UTC') RETURNING site_id AS id`,
    [`Other ${unique()}`],
  );
  const siteId = site.rows[0]!.id;
  const m = await t.db.query<{ id: string }>(
    `INSERT INTO members (site_id, email, display_name) VALUES ($1, $2, 'Stranger') RETURNING id`,
    [siteId, `stranger-${unique()}@test.example`],
  );
  return { siteId, memberId: m.rows[0]!.id };
}

/** An instant `minutes` after `base`, as RFC 3339. */
export function at(base: string | Date, minutes: number): string {
  return new Date(new Date(base).getTime() + minutes * 60_000).toISOString();
}

/**
 * Deterministic pseudo-random bookings written straight into the store (every status, changeovers
 * of 0–30 minutes, now and then a named member or a squad) on a quarter-hour grid from `from`:
 * data for property tests that compare two ways of finding what is in a new session's way.
 * Bookings the no-overlap constraint refuses are left out, as a writer would be refused.
 */
export async function seedRandomBookings(
  t: TestApp,
  o: {
    spaces: string[];
    members: string[];
    squads: string[];
    statuses: string[];
    count: number;
    seed: number;
    from: number;
    /** Longest booking, in quarter hours. */
    maxLength: number;
  },
): Promise<void> {
  let seed = o.seed;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const q = (n: number) => new Date(o.from + n * 15 * 60_000).toISOString();
  for (let i = 0; i < o.count; i++) {
    const start = next(44);
    const id = crypto.randomUUID();
    const made = await t.db.query(
      `INSERT INTO bookings (site_id, id, space_id, organizer_id, title, start_at, end_at, blocked, status)
       VALUES ($1, $2, $3, $4, 'seed', $5::timestamptz, $6::timestamptz,
               tstzrange($5::timestamptz, $6::timestamptz + make_interval(mins => $7::int), '[)'), $8)
       ON CONFLICT DO NOTHING`,
      [
        t.siteId,
        id,
        o.spaces[next(o.spaces.length)],
        o.members[next(o.members.length)],
        q(start),
        q(start + 1 + next(o.maxLength)),
        [0, 15, 30][next(3)],
        o.statuses[next(o.statuses.length)],
      ],
    );
    if (made.affectedRows === 0) continue;
    if (next(2) === 0)
      await t.db.query(
        'INSERT INTO booking_members (site_id, booking_id, member_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [t.siteId, id, o.members[next(o.members.length)]],
      );
    if (next(4) === 0)
      await t.db.query('INSERT INTO booking_squads (site_id, booking_id, squad_id) VALUES ($1, $2, $3)', [
        t.siteId,
        id,
        o.squads[next(o.squads.length)],
      ]);
  }
}
