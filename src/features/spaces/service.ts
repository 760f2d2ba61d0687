import type { Static } from 'typebox';
import { isUuid } from '../../domain/ids.ts';
import { parseClock } from '../../domain/time.ts';
import type { Actor, Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { existingMemberIds } from '../members/repository.ts';
import { checkLimit, decodeNameCursor, pageOf } from '../paging.ts';
import { requireAdmin } from '../policy.ts';
import { existingSquadIds } from '../squads/repository.ts';
import { hasForbiddenChars } from '../text.ts';
import { spaceCan } from './policy.ts';
import * as repo from './repository.ts';
import { type Space, spaceLimits } from './schema.ts';

export type SpaceKind = repo.SpaceRow['kind'];
export type SpaceAccess = repo.SpaceRow['access'];
export type Weekday = repo.Weekday;
export type OpeningHours = repo.OpeningHours;

export interface SpaceInput {
  name: string;
  kind: SpaceKind;
  capacity: number;
  changeoverMinutes?: number | undefined;
  /** Local intervals per weekday; a missing day is closed; null (the default) is always open. */
  openingHours?: OpeningHours | null | undefined;
  minMinutes?: number | undefined;
  maxMinutes?: number | undefined;
  access?: SpaceAccess | undefined;
  allowedRoles?: ('admin' | 'member')[] | undefined;
  allowedSquadIds?: string[] | undefined;
  ownerId?: string | null | undefined;
  checkInOpenMinutes?: number | undefined;
  releaseAfterMinutes?: number | undefined;
  hasDoor?: boolean | undefined;
  /** When not given: private for a cabin or an owner's space, else public. */
  defaultVisibility?: 'public' | 'private' | undefined;
}

/** A space's fields as the API answers them, without the caller's `can` (what events record). */
export type SpaceView = Omit<Static<typeof Space>, 'can'>;

export const weekdays: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const kinds: readonly SpaceKind[] = ['training', 'sparring', 'briefing', 'cabin', 'other'];
const accesses: readonly SpaceAccess[] = ['everyone', 'restricted', 'owner'];
/** The space as the API answers it to `actor`: with what they may do to it (policy.ts). */
export function presentSpace(s: repo.SpaceRow, actor: Actor): SpaceView & { can: SpaceCan } {
  return { ...spaceSnapshot(s), can: spaceCan(actor, s) };
}

export type SpaceCan = ReturnType<typeof spaceCan>;

/** The space's fields, as events record them. */
export function spaceSnapshot(s: repo.SpaceRow): SpaceView {
  return {
    id: s.id,
    siteId: s.siteId,
    name: s.name,
    kind: s.kind,
    capacity: s.capacity,
    changeoverMinutes: s.changeoverMinutes,
    openingHours: s.openingHours,
    minMinutes: s.minMinutes,
    maxMinutes: s.maxMinutes,
    access: s.access,
    allowedRoles: s.allowedRoles,
    allowedSquadIds: s.allowedSquadIds,
    ownerId: s.ownerId,
    checkInOpenMinutes: s.checkInOpenMinutes,
    releaseAfterMinutes: s.releaseAfterMinutes,
    hasDoor: s.hasDoor,
    defaultVisibility: s.defaultVisibility,
    version: s.version,
  };
}

/** The default visibility a space of this kind and access gets: a private cabin's bookings are private. */
export function derivedDefaultVisibility(kind: unknown, access: unknown): 'public' | 'private' {
  return kind === 'cabin' || access === 'owner' ? 'private' : 'public';
}

const defaults: Omit<repo.SpaceFields, 'name' | 'kind' | 'capacity' | 'defaultVisibility'> = {
  changeoverMinutes: 0,
  openingHours: null,
  minMinutes: 15,
  maxMinutes: 240,
  access: 'everyone',
  allowedRoles: [],
  allowedSquadIds: [],
  ownerId: null,
  checkInOpenMinutes: 10,
  releaseAfterMinutes: 15,
  hasDoor: false,
};

function checkInt(value: unknown, key: Exclude<keyof typeof spaceLimits, 'name'>): number {
  const { min, max } = spaceLimits[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(`body.${key}`, `${key} must be a whole number from ${min} to ${max}`);
  return value;
}

/**
 * Validates opening hours: known weekdays, HH:MM times, and no two intervals of the week that
 * overlap (an interval past midnight runs into the next day, Sunday's into Monday).
 */
function checkOpeningHours(value: unknown): OpeningHours | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalid('body.openingHours', 'openingHours must be an object of weekdays, or null');
  const out: OpeningHours = {};
  const week = 7 * 24 * 60;
  const spans: { from: number; to: number; field: string }[] = [];
  for (const [day, intervals] of Object.entries(value as Record<string, unknown>)) {
    const field = `body.openingHours.${day}`;
    const dayIndex = (weekdays as readonly string[]).indexOf(day);
    if (dayIndex < 0) throw invalid(field, `${day} is not a weekday; use ${weekdays.join(', ')}`);
    if (!Array.isArray(intervals) || intervals.length > 12)
      throw invalid(field, 'must be a list of at most 12 {open, close} intervals');
    const clean: { open: string; close: string }[] = [];
    intervals.forEach((interval: unknown, i) => {
      const at = `${field}.${i}`;
      if (!interval || typeof interval !== 'object' || Array.isArray(interval))
        throw invalid(at, 'must be {open, close}');
      const { open, close, ...rest } = interval as Record<string, unknown>;
      const extra = Object.keys(rest)[0];
      if (extra !== undefined) throw invalid(`${at}.${extra}`, 'is not a field of an opening interval');
      const o = typeof open === 'string' ? parseClock(open) : undefined;
      const c = typeof close === 'string' ? parseClock(close) : undefined;
      if (o === undefined || o === 24 * 60)
        throw invalid(`${at}.open`, 'open must be HH:MM from 00:00 to 23:59');
      if (c === undefined) throw invalid(`${at}.close`, 'close must be HH:MM from 00:00 to 24:00');
      // A close at or before the open runs past midnight into the next day.
      const from = dayIndex * 24 * 60 + o;
      spans.push({ from, to: from - o + (c <= o ? c + 24 * 60 : c), field });
      clean.push({ open: open as string, close: close as string });
    });
    out[day as Weekday] = clean;
  }
  spans.sort((a, b) => a.from - b.from);
  spans.forEach((span, i) => {
    const prev = i > 0 ? spans[i - 1] : undefined;
    if (prev && span.from < prev.to) throw invalid(span.field, 'opening intervals overlap');
  });
  const last = spans[spans.length - 1];
  if (last && spans.length > 1 && last.to > week && last.to - week > spans[0]!.from)
    throw invalid(spans[0]!.field, 'opening intervals overlap');
  return out;
}

function checkUuids(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length > 200) throw invalid(field, 'must be a list of at most 200 ids');
  value.forEach((v, i) => {
    if (typeof v !== 'string' || !isUuid(v)) throw invalid(`${field}.${i}`, 'must be a uuid');
  });
  return [...new Set((value as string[]).map((v) => v.toLowerCase()))];
}

/** Merges `input` over `base` and checks every field; the store lookups come after. */
export function mergeSpaceFields(
  base: repo.SpaceFields | undefined,
  input: Partial<SpaceInput>,
): repo.SpaceFields {
  const pick = <K extends keyof repo.SpaceFields>(k: K): unknown =>
    input[k as keyof SpaceInput] !== undefined
      ? input[k as keyof SpaceInput]
      : base
        ? base[k]
        : (defaults as Partial<repo.SpaceFields>)[k];

  const name = pick('name');
  if (typeof name !== 'string' || name.trim() === '' || name.length > spaceLimits.name.max)
    throw invalid('body.name', `name must be 1 to ${spaceLimits.name.max} characters`);
  if (hasForbiddenChars(name)) throw invalid('body.name', 'name must not contain control characters');
  const kind = pick('kind');
  if (!(kinds as readonly unknown[]).includes(kind))
    throw invalid('body.kind', `kind must be one of ${kinds.join(', ')}`);
  const access = pick('access');
  if (!(accesses as readonly unknown[]).includes(access))
    throw invalid('body.access', `access must be one of ${accesses.join(', ')}`);
  const roles = pick('allowedRoles');
  if (!Array.isArray(roles) || !roles.every((r) => r === 'admin' || r === 'member'))
    throw invalid('body.allowedRoles', 'allowedRoles must be a list of admin, member');
  const ownerId = pick('ownerId');
  if (ownerId !== null && (typeof ownerId !== 'string' || !isUuid(ownerId)))
    throw invalid('body.ownerId', 'ownerId must be a member id or null');
  const hasDoor = pick('hasDoor');
  if (typeof hasDoor !== 'boolean') throw invalid('body.hasDoor', 'hasDoor must be true or false');
  // Not given: derived from kind and access, and re-derived when they change unless it was set apart
  // from what they imply.
  const defaultVisibility =
    input.defaultVisibility !== undefined
      ? input.defaultVisibility
      : base && base.defaultVisibility !== derivedDefaultVisibility(base.kind, base.access)
        ? base.defaultVisibility
        : derivedDefaultVisibility(kind, access);
  if (defaultVisibility !== 'public' && defaultVisibility !== 'private')
    throw invalid('body.defaultVisibility', 'defaultVisibility must be public or private');

  const fields: repo.SpaceFields = {
    name: name.trim(),
    kind: kind as SpaceKind,
    capacity: checkInt(pick('capacity'), 'capacity'),
    changeoverMinutes: checkInt(pick('changeoverMinutes'), 'changeoverMinutes'),
    openingHours: checkOpeningHours(pick('openingHours')),
    minMinutes: checkInt(pick('minMinutes'), 'minMinutes'),
    maxMinutes: checkInt(pick('maxMinutes'), 'maxMinutes'),
    access: access as SpaceAccess,
    allowedRoles: [...new Set(roles as ('admin' | 'member')[])],
    allowedSquadIds: checkUuids(pick('allowedSquadIds'), 'body.allowedSquadIds'),
    ownerId: ownerId === null ? null : (ownerId as string).toLowerCase(),
    checkInOpenMinutes: checkInt(pick('checkInOpenMinutes'), 'checkInOpenMinutes'),
    releaseAfterMinutes: checkInt(pick('releaseAfterMinutes'), 'releaseAfterMinutes'),
    hasDoor,
    defaultVisibility,
  };
  if (fields.minMinutes > fields.maxMinutes)
    throw invalid(
      input.minMinutes !== undefined ? 'body.minMinutes' : 'body.maxMinutes',
      'minMinutes must not exceed maxMinutes',
    );
  if (fields.access === 'owner' && fields.ownerId === null)
    throw invalid('body.ownerId', "a space with access 'owner' needs an ownerId");
  if (
    fields.access === 'restricted' &&
    fields.allowedRoles.length === 0 &&
    fields.allowedSquadIds.length === 0
  )
    throw invalid(
      'body.allowedRoles',
      "a space with access 'restricted' needs allowedRoles or allowedSquadIds",
    );
  return fields;
}

/** The checks that need the store: the owner and the squads exist in the site, the name is free. */
async function checkReferences(ctx: Ctx, fields: repo.SpaceFields, exceptId?: string): Promise<void> {
  const siteId = ctx.actor.siteId;
  if (
    fields.ownerId !== null &&
    !(await existingMemberIds(ctx.db, siteId, [fields.ownerId])).has(fields.ownerId)
  )
    throw invalid('body.ownerId', 'ownerId is not a member of this site');
  const squads = await existingSquadIds(ctx.db, siteId, fields.allowedSquadIds);
  const missing = fields.allowedSquadIds.findIndex((id) => !squads.has(id));
  if (missing >= 0) throw invalid(`body.allowedSquadIds.${missing}`, 'is not a squad of this site');
  if (await repo.nameTaken(ctx.db, siteId, fields.name, exceptId))
    throw new AppError('already-exists', 'A space with this name exists', { field: 'body.name' });
}

export async function getSpace(ctx: Ctx, id: string): Promise<SpaceView & { can: SpaceCan }> {
  const s = isUuid(id) ? await repo.findSpace(ctx.db, ctx.actor.siteId, id) : undefined;
  if (!s) throw new AppError('not-found', 'No such space', { field: 'path.id' });
  return presentSpace(s, ctx.actor);
}

/** Every member may see every space of the site (they need to, to book); by name. */
export async function listSpaces(
  ctx: Ctx,
  opts: { cursor?: string | undefined; limit?: number | undefined } = {},
): Promise<{ items: (SpaceView & { can: SpaceCan })[]; nextCursor: string | null }> {
  const limit = checkLimit(opts.limit);
  const rows = await repo.listSpaces(ctx.db, ctx.actor.siteId, {
    after: decodeNameCursor(opts.cursor),
    limit: limit + 1,
  });
  return pageOf(
    rows,
    limit,
    (s) => presentSpace(s, ctx.actor),
    (s) => s.name,
  );
}

/** Adds a space to the caller's site (admins only). */
export async function createSpace(ctx: Ctx, input: SpaceInput): Promise<SpaceView & { can: SpaceCan }> {
  requireAdmin(ctx.actor);
  const fields = mergeSpaceFields(undefined, input);
  return ctx.db.transaction(async (tx) => {
    const txCtx = { ...ctx, db: tx };
    await checkReferences(txCtx, fields);
    const id = await repo.insertSpace(tx, ctx.actor.siteId, fields);
    const row = (await repo.findSpace(tx, ctx.actor.siteId, id))!;
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'space.created',
      subjectType: 'space',
      subjectId: id,
      after: spaceSnapshot(row),
    });
    return presentSpace(row, ctx.actor);
  });
}

/**
 * Changes some fields of a space (admins only). With `expectedVersion` the change applies only
 * if nobody changed the space since that version was read (412 otherwise).
 */
export async function updateSpace(
  ctx: Ctx,
  id: string,
  patch: Partial<SpaceInput>,
  expectedVersion?: number,
): Promise<SpaceView & { can: SpaceCan }> {
  requireAdmin(ctx.actor);
  return ctx.db.transaction(async (tx) => {
    const txCtx = { ...ctx, db: tx };
    const row = isUuid(id) ? await repo.findSpace(tx, ctx.actor.siteId, id, true) : undefined;
    if (!row) throw new AppError('not-found', 'No such space', { field: 'path.id' });
    const before = spaceSnapshot(row);
    if (expectedVersion !== undefined && expectedVersion !== before.version)
      throw new AppError('version-mismatch', `The space is at version ${before.version}`, {
        field: 'header.if-match',
        currentVersion: before.version,
      });
    const fields = mergeSpaceFields(before, patch);
    await checkReferences(txCtx, fields, before.id);
    if (!(await repo.updateSpace(tx, ctx.actor.siteId, before.id, before.version, fields)))
      throw new AppError('version-mismatch', 'The space changed meanwhile; read it again', {
        field: 'header.if-match',
      });
    const afterRow = (await repo.findSpace(tx, ctx.actor.siteId, before.id))!;
    const after = spaceSnapshot(afterRow);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'space.updated',
      subjectType: 'space',
      subjectId: before.id,
      before,
      after,
    });
    return presentSpace(afterRow, ctx.actor);
  });
}
