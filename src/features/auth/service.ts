import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { readAuthCacheMs } from '../../config.ts';
import type { Db } from '../../db/store.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Actor, Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { requireAdmin } from '../policy.ts';
import { checkPassword } from './password-policy.ts';
import * as repo from './repository.ts';

const sessionDays = 30;

/** Hashes a password with argon2id (the library's recommended parameters). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: 2 /* Algorithm.Argon2id, a const enum */ });
}

/** Tokens are random and stored only as their SHA-256, so a leaked table grants nothing. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function newToken(): string {
  return `ss_${randomBytes(32).toString('base64url')}`;
}

// Verifying against a real hash when the email is unknown keeps the answer time the same.
let dummyHash: Promise<string> | undefined;

/** Checks email and password; answers a new session token, or invalid-credentials either way it fails. */
export async function login(
  db: Db,
  clock: Clock,
  input: { email: string; password: string; siteId?: string | undefined },
): Promise<{ token: string; siteId: string; memberId: string; expiresAt: Date }> {
  const candidates = (await repo.findCredentialsByEmail(db, input.email)).filter(
    (c) => !input.siteId || c.siteId === input.siteId,
  );
  let match: repo.CredentialRow | undefined;
  for (const c of candidates) {
    if (c.passwordHash && (await verify(c.passwordHash, input.password))) {
      match = c;
      break;
    }
  }
  if (!match) {
    if (candidates.length === 0) {
      dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verify(await dummyHash, input.password);
    }
    throw new AppError('invalid-credentials', 'The email or the password is wrong', {
      field: 'body.password',
    });
  }
  const token = newToken();
  const expiresAt = new Date(clock.now().getTime() + sessionDays * 86_400_000);
  await db.transaction(async (tx) => {
    await repo.insertToken(tx, {
      siteId: match.siteId,
      memberId: match.memberId,
      tokenHash: hashToken(token),
      kind: 'session',
      name: 'login',
      expiresAt,
    });
    await insertEvent(tx, {
      siteId: match.siteId,
      actorId: match.memberId,
      type: 'member.logged-in',
      subjectType: 'member',
      subjectId: match.memberId,
    });
  });
  return { token, siteId: match.siteId, memberId: match.memberId, expiresAt };
}

/**
 * Recently resolved tokens, so a busy client costs no lookup per request. An entry lives
 * SHIPSHAPE_AUTH_CACHE_MS (default 2000; 0 turns it off). In this process a revocation, a role
 * change or a squad change drops the cache at once (`forgetCachedActors`); one made by another
 * server process takes effect within that time.
 */
const actorCache = new Map<string, { actor: Actor & { tokenId: string }; until: number }>();
const actorCacheMs = readAuthCacheMs();
const actorCacheMax = 10_000;

const credentialListeners = new Set<() => void>();

/**
 * Calls `listener` whenever credentials may have ended in this process (a revocation, a logout, a
 * password change, a deactivation); answers the unsubscribe. Live streams re-check theirs at once.
 */
export function onCredentialsChanged(listener: () => void): () => void {
  credentialListeners.add(listener);
  return () => credentialListeners.delete(listener);
}

/** Drops every cached caller: call it after a change to tokens, roles or squad memberships. */
export function forgetCachedActors(): void {
  actorCache.clear();
  for (const listener of credentialListeners) listener();
}

/** Resolves a presented token to the acting member, or undefined when it is unknown, expired or revoked. */
export async function authenticate(
  db: Db,
  clock: Clock,
  token: string,
): Promise<(Actor & { tokenId: string }) | undefined> {
  const key = hashToken(token);
  const cached = actorCache.get(key);
  if (cached && cached.until > performance.now()) return cached.actor;
  actorCache.delete(key);
  const row = await repo.findActorByTokenHash(db, key, clock.now());
  if (!row) return undefined;
  const actor = {
    tokenId: row.tokenId,
    siteId: row.siteId,
    memberId: row.memberId,
    role: row.role,
    squadIds: row.squadIds ?? [],
    leaderOf: row.leaderOf ?? [],
    mustChangePassword: row.mustChangePassword,
  };
  if (actorCacheMs > 0) {
    if (actorCache.size >= actorCacheMax) actorCache.delete(actorCache.keys().next().value!);
    actorCache.set(key, { actor, until: performance.now() + actorCacheMs });
  }
  return actor;
}

/** Creates a named bearer token for the CLI or an integration; the token is shown only here. */
export async function createApiToken(
  ctx: Ctx,
  input: { name: string; expiresInDays?: number | undefined },
): Promise<{ id: string; token: string; name: string; createdAt: Date; expiresAt: Date | null }> {
  const token = newToken();
  const expiresAt = input.expiresInDays
    ? new Date(ctx.clock.now().getTime() + input.expiresInDays * 86_400_000)
    : null;
  return ctx.db.transaction(async (tx) => {
    const row = await repo.insertToken(tx, {
      siteId: ctx.actor.siteId,
      memberId: ctx.actor.memberId,
      tokenHash: hashToken(token),
      kind: 'api',
      name: input.name,
      expiresAt,
    });
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'token.created',
      subjectType: 'token',
      subjectId: row.id,
      after: { name: input.name, expiresAt },
    });
    return { id: row.id, token, name: input.name, createdAt: row.createdAt, expiresAt };
  });
}

export async function listTokens(ctx: Ctx): Promise<repo.TokenRow[]> {
  return repo.listTokens(ctx.db, ctx.actor.siteId, ctx.actor.memberId);
}

/** Revokes one of the caller's own tokens or sessions. */
export async function revokeToken(ctx: Ctx, tokenId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const done = await repo.revokeToken(tx, ctx.actor.siteId, ctx.actor.memberId, tokenId, ctx.clock.now());
    if (!done) throw new AppError('not-found', 'No such token', { field: 'path.id' });
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'token.revoked',
      subjectType: 'token',
      subjectId: tokenId,
    });
  });
  // After the commit: a request in between would otherwise cache the token as still valid.
  forgetCachedActors();
}

/** Which of the given token ids are still live (not revoked, not expired). */
export function liveTokenIds(db: Db, ids: string[], now: Date): Promise<Set<string>> {
  return repo.liveTokenIds(db, ids, now);
}

/**
 * The caller changes their own password: the current one is required, the new one must pass the
 * policy. Every other session and token of theirs is revoked; the one in use stays.
 */
export async function changePassword(
  ctx: Ctx & { actor: { tokenId?: string } },
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  checkPassword(input.newPassword, 'body.newPassword');
  if (input.newPassword === input.currentPassword)
    throw invalid('body.newPassword', 'The new password must differ from the current one');
  const { siteId, memberId } = ctx.actor;
  const current = await repo.findPasswordState(ctx.db, siteId, memberId);
  if (!current?.passwordHash || !(await verify(current.passwordHash, input.currentPassword)))
    throw new AppError('invalid-credentials', 'The current password is wrong', {
      field: 'body.currentPassword',
    });
  const newHash = await hashPassword(input.newPassword);
  await ctx.db.transaction(async (tx) => {
    await repo.setPassword(tx, siteId, memberId, newHash, false);
    const revoked = await repo.revokeMemberTokens(tx, siteId, memberId, ctx.clock.now(), ctx.actor.tokenId);
    await insertEvent(tx, {
      siteId,
      actorId: memberId,
      type: 'member.password-changed',
      subjectType: 'member',
      subjectId: memberId,
      after: { revokedTokens: revoked },
    });
  });
  forgetCachedActors();
}

/**
 * An admin resets a member's password: to the one given, or a random one answered once. The member
 * must set a new one at their next sign-in, and every session and token of theirs is revoked.
 */
export async function resetPassword(
  ctx: Ctx,
  memberId: string,
  input: { password?: string | undefined },
): Promise<{ temporaryPassword: string }> {
  requireAdmin(ctx.actor);
  if (input.password !== undefined) checkPassword(input.password, 'body.password');
  const temporaryPassword = input.password ?? randomBytes(12).toString('base64url');
  const newHash = await hashPassword(temporaryPassword);
  await ctx.db.transaction(async (tx) => {
    const state = await repo.findPasswordState(tx, ctx.actor.siteId, memberId);
    if (!state) throw new AppError('not-found', 'No such member', { field: 'path.id' });
    if (state.deactivatedAt)
      throw new AppError('invalid-state', 'The member is deactivated', { field: 'path.id' });
    await repo.setPassword(tx, ctx.actor.siteId, memberId, newHash, true);
    const revoked = await repo.revokeMemberTokens(tx, ctx.actor.siteId, memberId, ctx.clock.now());
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'member.password-reset',
      subjectType: 'member',
      subjectId: memberId,
      after: { revokedTokens: revoked, mustChangePassword: true },
    });
  });
  forgetCachedActors();
  return { temporaryPassword };
}
