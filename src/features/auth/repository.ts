import type { Queryable } from '../../db/store.ts';

export interface CredentialRow {
  siteId: string;
  memberId: string;
  passwordHash: string | null;
}

export async function findCredentialsByEmail(db: Queryable, email: string): Promise<CredentialRow[]> {
  const res = await db.query<CredentialRow>(
    `SELECT site_id AS "siteId", id AS "memberId", password_hash AS "passwordHash"
       FROM members WHERE lower(email) = lower($1) AND deactivated_at IS NULL ORDER BY created_at`,
    [email],
  );
  return res.rows;
}

export async function insertToken(
  db: Queryable,
  t: {
    siteId: string;
    memberId: string;
    tokenHash: string;
    kind: 'session' | 'api';
    name: string;
    expiresAt: Date | null;
  },
): Promise<{ id: string; createdAt: Date }> {
  const res = await db.query<{ id: string; createdAt: Date }>(
    `INSERT INTO auth_tokens (site_id, member_id, token_hash, kind, name, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at AS "createdAt"`,
    [t.siteId, t.memberId, t.tokenHash, t.kind, t.name, t.expiresAt],
  );
  return res.rows[0]!;
}

export interface ActorRow {
  tokenId: string;
  siteId: string;
  memberId: string;
  role: 'admin' | 'member';
  squadIds: string[] | null;
  leaderOf: string[] | null;
  mustChangePassword: boolean;
}

/** One round trip per request: the live token, its member and the member's squads. */
export async function findActorByTokenHash(
  db: Queryable,
  tokenHash: string,
  now: Date,
): Promise<ActorRow | undefined> {
  const res = await db.query<ActorRow>(
    `SELECT t.id AS "tokenId", t.site_id AS "siteId", t.member_id AS "memberId", m.role,
            m.must_change_password AS "mustChangePassword",
            (SELECT array_agg(sm.squad_id) FROM squad_members sm
              WHERE sm.site_id = t.site_id AND sm.member_id = t.member_id) AS "squadIds",
            (SELECT array_agg(sm.squad_id) FROM squad_members sm
              WHERE sm.site_id = t.site_id AND sm.member_id = t.member_id AND sm.is_leader) AS "leaderOf"
       FROM auth_tokens t
       JOIN members m ON m.site_id = t.site_id AND m.id = t.member_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
        AND m.deactivated_at IS NULL`,
    [tokenHash, now],
  );
  return res.rows[0];
}

export async function revokeToken(
  db: Queryable,
  siteId: string,
  memberId: string,
  tokenId: string,
  now: Date,
): Promise<boolean> {
  const res = await db.query(
    `UPDATE auth_tokens SET revoked_at = $4
      WHERE site_id = $1 AND member_id = $2 AND id = $3 AND revoked_at IS NULL`,
    [siteId, memberId, tokenId, now],
  );
  return res.affectedRows > 0;
}

export interface TokenRow {
  id: string;
  kind: 'session' | 'api';
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

export async function listTokens(db: Queryable, siteId: string, memberId: string): Promise<TokenRow[]> {
  const res = await db.query<TokenRow>(
    `SELECT id, kind, name, created_at AS "createdAt", last_used_at AS "lastUsedAt", expires_at AS "expiresAt"
       FROM auth_tokens
      WHERE site_id = $1 AND member_id = $2 AND revoked_at IS NULL
      ORDER BY created_at`,
    [siteId, memberId],
  );
  return res.rows;
}

/** Which of the given tokens are still live (not revoked, not expired): live streams check theirs. */
export async function liveTokenIds(db: Queryable, ids: string[], now: Date): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await db.query<{ id: string }>(
    `SELECT id FROM auth_tokens
      WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
    [ids, now],
  );
  return new Set(res.rows.map((r) => r.id));
}

/** The member's password hash and state, locked for a change of password. */
export async function findPasswordState(
  db: Queryable,
  siteId: string,
  memberId: string,
): Promise<{ passwordHash: string | null; deactivatedAt: Date | null } | undefined> {
  const res = await db.query<{ passwordHash: string | null; deactivatedAt: Date | null }>(
    `SELECT password_hash AS "passwordHash", deactivated_at AS "deactivatedAt"
       FROM members WHERE site_id = $1 AND id = $2 FOR UPDATE`,
    [siteId, memberId],
  );
  return res.rows[0];
}

export async function setPassword(
  db: Queryable,
  siteId: string,
  memberId: string,
  passwordHash: string,
  mustChange: boolean,
): Promise<void> {
  await db.query(
    `UPDATE members SET password_hash = $3, must_change_password = $4 WHERE site_id = $1 AND id = $2`,
    [siteId, memberId, passwordHash, mustChange],
  );
}

/** Revokes every live session and token of a member but `keep` (the one in use); answers how many. */
export async function revokeMemberTokens(
  db: Queryable,
  siteId: string,
  memberId: string,
  now: Date,
  keep?: string,
): Promise<number> {
  const res = await db.query(
    `UPDATE auth_tokens SET revoked_at = $3
      WHERE site_id = $1 AND member_id = $2 AND revoked_at IS NULL AND ($4::uuid IS NULL OR id <> $4::uuid)`,
    [siteId, memberId, now, keep ?? null],
  );
  return res.affectedRows;
}
