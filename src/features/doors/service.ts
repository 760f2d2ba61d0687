import type { Static } from 'typebox';
import type { Db, Queryable } from '../../db/store.ts';
import { parseInstant } from '../../domain/time.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import type { TypedEvent } from '../events/types.ts';
import { requireAdmin } from '../policy.ts';
import { type DoorGrant, decideDoorAccess, managesGuests, seesDoorState, seesWholeDoor } from './policy.ts';
import type { StateReport } from './protocol.ts';
import * as repo from './repository.ts';
import type {
  Door,
  DoorEvent,
  DoorPatch,
  DoorRequest,
  DoorWithRequests,
  Guest,
  NewDoor,
  NewGuest,
} from './schema.ts';

/** How the doors feature is tuned (from the config). */
export interface DoorSettings {
  /** How long a lock has to confirm a command. */
  confirmMs: number;
  /** A door silent for longer than this shows as unknown (0 = never stale). */
  staleSeconds: number;
}

export type ShownState = repo.LockState | 'unknown';

/** A door as the caller sees it: its lock state only for those who may see it, what they may do. */
export type DoorView = Static<typeof Door>;

/** A lock or unlock request and how it ended. */
export type RequestView = Static<typeof DoorRequest>;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The state a door shows: unknown when offline, never heard from, or silent past the stale limit. */
export function shownState(door: repo.DoorRow, now: Date, staleSeconds: number): ShownState {
  if (door.online === false || door.lockState === null || door.seenAt === null) return 'unknown';
  if (staleSeconds > 0 && now.getTime() - new Date(door.seenAt).getTime() > staleSeconds * 1000)
    return 'unknown';
  return door.lockState;
}

function presentDoor(
  ctx: Ctx,
  door: repo.DoorRow,
  grant: DoorGrant,
  alarms: { kind: repo.AlarmKind; startedAt: Date }[],
  settings: DoorSettings,
): DoorView {
  const whole = seesWholeDoor(ctx.actor, door);
  const visible = seesDoorState(ctx.actor, door, grant);
  const state = shownState(door, ctx.clock.now(), settings.staleSeconds);
  const manage = managesGuests(ctx.actor, door);
  return {
    id: door.id,
    spaceId: door.spaceId,
    spaceName: door.spaceName,
    name: door.name,
    // With the topic anyone on the broker can command the lock: for those who manage the door.
    topic: manage ? door.topic : null,
    hasContact: door.hasContact,
    failMode: door.failMode,
    relockSeconds: door.relockSeconds,
    alarmSeconds: door.alarmSeconds ?? door.siteAlarmSeconds,
    // A private cabin's state tells who comes and goes: null for those who may not see it.
    state: visible ? state : null,
    contact:
      !door.hasContact || !visible
        ? null
        : state === 'unknown' || door.contact === null
          ? 'unknown'
          : door.contact
            ? 'closed'
            : 'open',
    online: visible ? door.online : null,
    lastSeenAt: visible ? iso(door.seenAt) : null,
    // Alarms say when a private cabin was left open: for its owner and admins.
    alarms: whole ? alarms.map((a) => ({ kind: a.kind, since: new Date(a.startedAt).toISOString() })) : [],
    access: grant.allowed
      ? { allowed: true, as: grant.as, why: null, detail: null }
      : { allowed: false, as: null, why: grant.why, detail: grant.detail },
    can: {
      unlock: grant.allowed || grant.why === 'reason-required',
      lock: grant.allowed || grant.why === 'reason-required',
      manage,
      viewLog: whole,
      viewState: visible,
    },
    version: door.version,
  };
}

function presentRequest(r: repo.RequestRow): RequestView {
  return {
    id: r.id,
    action: r.action,
    status: r.status,
    actorId: r.actorId,
    requestedAt: new Date(r.requestedAt).toISOString(),
    deadlineAt: new Date(r.deadlineAt).toISOString(),
    settledAt: iso(r.settledAt),
  };
}

async function loadDoor(ctx: Ctx, id: string): Promise<repo.DoorRow> {
  const door = await repo.findDoor(ctx.db, ctx.actor.siteId, id);
  if (!door) throw new AppError('not-found', 'No such door', { field: 'path.id' });
  return door;
}

async function grantFor(ctx: Ctx, door: repo.DoorRow, reason?: string): Promise<DoorGrant> {
  const now = ctx.clock.now();
  const facts = await repo.accessFacts(ctx.db, door, ctx.actor.memberId, now);
  return decideDoorAccess(ctx.actor, door, facts, now, reason);
}

/** Every door of the caller's site, with what the caller may do to each. */
export async function listDoors(ctx: Ctx, settings: DoorSettings): Promise<DoorView[]> {
  const [doors, alarms] = await Promise.all([
    repo.listDoors(ctx.db, ctx.actor.siteId),
    repo.listOpenAlarms(ctx.db, ctx.actor.siteId),
  ]);
  const out: DoorView[] = [];
  for (const door of doors)
    out.push(
      presentDoor(
        ctx,
        door,
        await grantFor(ctx, door),
        alarms.filter((a) => a.doorId === door.id),
        settings,
      ),
    );
  return out;
}

/**
 * Whether the caller may follow a door's changes live: for a private cabin only those who see its
 * state (a change alone says someone came or went). A door that is gone is not followed.
 */
export async function followsDoor(ctx: Ctx, id: string): Promise<boolean> {
  const door = await repo.findDoor(ctx.db, ctx.actor.siteId, id);
  if (!door) return false;
  return seesDoorState(ctx.actor, door, await grantFor(ctx, door));
}

/** One door with its recent requests (all of them for its owner and admins, else the caller's own). */
export async function getDoor(
  ctx: Ctx,
  id: string,
  settings: DoorSettings,
): Promise<Static<typeof DoorWithRequests>> {
  // The requests are read before the door: a request seen confirmed is never shown with the state
  // from before its confirmation (each statement sees the latest commits).
  const first = await loadDoor(ctx, id);
  const requests = await repo.listRequests(ctx.db, ctx.actor.siteId, id, {
    memberId: seesWholeDoor(ctx.actor, first) ? undefined : ctx.actor.memberId,
    limit: 20,
  });
  const door = await loadDoor(ctx, id);
  const alarms = (await repo.listOpenAlarms(ctx.db, ctx.actor.siteId)).filter((a) => a.doorId === id);
  return {
    ...presentDoor(ctx, door, await grantFor(ctx, door), alarms, settings),
    requests: requests.map(presentRequest),
  };
}

/** A new door's fields or a change of them (a change names no space: a door stays with its space). */
export type DoorInput = Partial<Static<typeof NewDoor>> & Static<typeof DoorPatch>;

function checkTopic(topic: string): string {
  const t = topic.trim();
  if (t.length === 0 || t.length > 200) throw invalid('body.topic', 'topic must be 1 to 200 characters');
  if (/[#+]/.test(t) || t.startsWith('/') || t.endsWith('/') || /\/set$|\/availability$/.test(t))
    throw invalid(
      'body.topic',
      "topic must be the lock's base topic (e.g. zigbee2mqtt/cabin-7-lock): no wildcards, no leading or trailing /, not ending in /set or /availability",
    );
  return t;
}

function doorFields(
  input: DoorInput,
  base: Omit<repo.DoorFields, 'spaceId'>,
): Omit<repo.DoorFields, 'spaceId'> {
  const name = (input.name ?? base.name).trim();
  if (name.length === 0 || name.length > 200) throw invalid('body.name', 'name must be 1 to 200 characters');
  const alarmSeconds = input.alarmSeconds === undefined ? base.alarmSeconds : input.alarmSeconds;
  if (alarmSeconds !== null && (alarmSeconds < 10 || alarmSeconds > 86400))
    throw invalid('body.alarmSeconds', 'alarmSeconds must be from 10 to 86400, or null for the site default');
  const relockSeconds = input.relockSeconds ?? base.relockSeconds;
  if (relockSeconds < 0 || relockSeconds > 86400)
    throw invalid('body.relockSeconds', 'relockSeconds must be from 0 (never) to 86400');
  return {
    name,
    topic: checkTopic(input.topic ?? base.topic),
    hasContact: input.hasContact ?? base.hasContact,
    failMode: input.failMode ?? base.failMode,
    relockSeconds,
    alarmSeconds,
  };
}

/** Gives a space its door (admins). The space's has_door flag follows. */
export async function createDoor(ctx: Ctx, input: DoorInput, settings: DoorSettings): Promise<DoorView> {
  requireAdmin(ctx.actor);
  if (!input.spaceId) throw invalid('body.spaceId', 'spaceId is required');
  if (input.topic === undefined)
    throw invalid('body.topic', "topic (the lock's MQTT base topic) is required");
  const fields = doorFields(input, {
    name: input.name ?? 'Door',
    topic: input.topic,
    hasContact: false,
    failMode: 'secure',
    relockSeconds: 0,
    alarmSeconds: null,
  });
  const spaceId = input.spaceId;
  const id = await ctx.db.transaction(async (tx) => {
    if (!(await repo.spaceExists(tx, ctx.actor.siteId, spaceId)))
      throw new AppError('not-found', 'No such space', { field: 'body.spaceId' });
    if (await repo.findDoorOfSpace(tx, ctx.actor.siteId, spaceId))
      throw new AppError('already-exists', 'This space already has a door', { field: 'body.spaceId' });
    if (await repo.topicTaken(tx, ctx.actor.siteId, fields.topic))
      throw new AppError('already-exists', 'Another door uses this topic', { field: 'body.topic' });
    const id = await repo.insertDoor(tx, ctx.actor.siteId, { ...fields, spaceId });
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'door.created',
      subjectType: 'door',
      subjectId: id,
      after: { spaceId, ...fields },
    });
    return id;
  });
  const door = await loadDoor(ctx, id);
  return presentDoor(ctx, door, await grantFor(ctx, door), [], settings);
}

/** Changes a door (admins), against the version the caller read. */
export async function updateDoor(
  ctx: Ctx,
  id: string,
  input: DoorInput,
  expectedVersion: number,
  settings: DoorSettings,
): Promise<DoorView> {
  requireAdmin(ctx.actor);
  if (input.spaceId !== undefined) throw invalid('body.spaceId', 'A door cannot move to another space');
  await ctx.db.transaction(async (tx) => {
    const door = await repo.findDoor(tx, ctx.actor.siteId, id, true);
    if (!door) throw new AppError('not-found', 'No such door', { field: 'path.id' });
    if (door.version !== expectedVersion)
      throw new AppError(
        'version-mismatch',
        `The door is at version ${door.version}, not ${expectedVersion}`,
        {
          field: 'header.if-match',
          currentVersion: door.version,
        },
      );
    const before = {
      name: door.name,
      topic: door.topic,
      hasContact: door.hasContact,
      failMode: door.failMode,
      relockSeconds: door.relockSeconds,
      alarmSeconds: door.alarmSeconds,
    };
    const fields = doorFields(input, before);
    if (fields.topic !== door.topic && (await repo.topicTaken(tx, ctx.actor.siteId, fields.topic)))
      throw new AppError('already-exists', 'Another door uses this topic', { field: 'body.topic' });
    await repo.updateDoor(tx, ctx.actor.siteId, id, fields);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'door.updated',
      subjectType: 'door',
      subjectId: id,
      before,
      after: fields,
    });
  });
  const door = await loadDoor(ctx, id);
  const alarms = (await repo.listOpenAlarms(ctx.db, ctx.actor.siteId)).filter((a) => a.doorId === id);
  return presentDoor(ctx, door, await grantFor(ctx, door), alarms, settings);
}

export type DoorRequestOutcome =
  | { ok: true; request: RequestView; topic: string }
  | { ok: false; why: string; detail: string };

/**
 * Asks a door to lock or unlock. Allowed: records a pending request (and its event) that the
 * caller sends to the lock once this commits; the lock's reported state settles it. Refused: the
 * refusal is an event too, and the answer says why.
 */
export async function requestDoor(
  ctx: Ctx,
  id: string,
  action: repo.DoorAction,
  reason: string | undefined,
  settings: DoorSettings,
): Promise<DoorRequestOutcome> {
  if (reason !== undefined && reason.length > 500)
    throw invalid('body.reason', 'reason must be at most 500 characters');
  const door = await loadDoor(ctx, id);
  const grant = await grantFor(ctx, door, reason);
  const now = ctx.clock.now();
  if (!grant.allowed) {
    await insertEvent(ctx.db, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'door.refused',
      subjectType: 'door',
      subjectId: id,
      after: { action, why: grant.why },
      reason: reason?.trim() || null,
    });
    return { ok: false, why: grant.why, detail: grant.detail };
  }
  const request = await repo.insertRequest(ctx.db, {
    siteId: ctx.actor.siteId,
    doorId: id,
    actorId: ctx.actor.memberId,
    action,
    reason: reason?.trim() || null,
    at: now,
    deadline: new Date(now.getTime() + settings.confirmMs),
  });
  await insertEvent(ctx.db, {
    siteId: ctx.actor.siteId,
    actorId: ctx.actor.memberId,
    type: 'door.requested',
    subjectType: 'door',
    subjectId: id,
    after: { requestId: request.id, action, as: grant.as },
    reason: reason?.trim() || null,
  });
  return { ok: true, request: presentRequest(request), topic: door.topic };
}

/** An event of a door's log (its payload as written: see events/types.ts). */
export type DoorEventView = Static<typeof DoorEvent>;

/** A door's audit trail, newest first: all of it for its owner and admins, else the caller's own acts. */
export async function listDoorEvents(
  ctx: Ctx,
  id: string,
  q: { before?: string | undefined; limit: number },
): Promise<{ items: DoorEventView[]; nextCursor: string | null }> {
  const door = await loadDoor(ctx, id);
  if (q.before !== undefined && !/^\d{1,18}$/.test(q.before))
    throw invalid('query.before', 'query.before must be an event id');
  const limit = Math.max(1, Math.min(500, Math.trunc(q.limit)));
  const rows = await repo.listDoorEvents(ctx.db, ctx.actor.siteId, id, {
    memberId: seesWholeDoor(ctx.actor, door) ? undefined : ctx.actor.memberId,
    beforeId: q.before,
    limit: limit + 1,
  });
  const items = rows.slice(0, limit).map(
    (e): DoorEventView => ({
      id: e.id,
      at: new Date(e.at).toISOString(),
      type: e.type,
      actor: e.actorId ? { id: e.actorId, displayName: e.actorName ?? '' } : null,
      before: e.before ?? null,
      after: e.after ?? null,
      reason: e.reason,
    }),
  );
  return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}

function guestView(g: repo.GuestRow): Static<typeof Guest> {
  return { memberId: g.memberId, displayName: g.displayName, from: iso(g.from), until: iso(g.until) };
}

async function loadManagedDoor(ctx: Ctx, id: string): Promise<repo.DoorRow> {
  const door = await loadDoor(ctx, id);
  if (!managesGuests(ctx.actor, door))
    throw new AppError('forbidden', "Only the space's owner or an admin sets its guests");
  return door;
}

export async function listGuests(ctx: Ctx, id: string) {
  await loadManagedDoor(ctx, id);
  return (await repo.listGuests(ctx.db, ctx.actor.siteId, id)).map(guestView);
}

/**
 * Lets a member in: while the owner has a booking of the space (no window), or within
 * [from, until). Setting a guest again replaces the window.
 */
export async function setGuest(ctx: Ctx, id: string, input: Static<typeof NewGuest>) {
  const door = await loadManagedDoor(ctx, id);
  const from = input.from === undefined ? null : parseInstant(input.from);
  const until = input.until === undefined ? null : parseInstant(input.until);
  if (from === undefined) throw invalid('body.from', 'from must be an RFC 3339 time with an offset');
  if (until === undefined) throw invalid('body.until', 'until must be an RFC 3339 time with an offset');
  if ((from === null) !== (until === null))
    throw invalid(from ? 'body.until' : 'body.from', 'Give both from and until, or neither');
  if (from && until && until <= from) throw invalid('body.until', 'until must be after from');
  if (input.memberId === door.ownerId) throw invalid('body.memberId', 'The owner needs no guest pass');
  await ctx.db.transaction(async (tx) => {
    const displayName = await repo.memberName(tx, ctx.actor.siteId, input.memberId);
    if (displayName === undefined)
      throw new AppError('not-found', 'No such member', { field: 'body.memberId' });
    await repo.upsertGuest(tx, {
      siteId: ctx.actor.siteId,
      doorId: id,
      memberId: input.memberId,
      from,
      until,
      by: ctx.actor.memberId,
    });
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'door.guest-set',
      subjectType: 'door',
      subjectId: id,
      // The guest's name as it was, so the log names them (older events have only the id).
      after: { memberId: input.memberId, displayName, from: iso(from), until: iso(until) },
    });
  });
  return (await repo.listGuests(ctx.db, ctx.actor.siteId, id)).map(guestView);
}

/** Revokes a guest; the next request of theirs is refused. */
export async function removeGuest(ctx: Ctx, id: string, memberId: string): Promise<void> {
  await loadManagedDoor(ctx, id);
  await ctx.db.transaction(async (tx) => {
    const displayName = (await repo.memberName(tx, ctx.actor.siteId, memberId)) ?? null;
    if (!(await repo.deleteGuest(tx, ctx.actor.siteId, id, memberId)))
      throw new AppError('not-found', 'This member is not a guest of the door', { field: 'path.memberId' });
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'door.guest-removed',
      subjectType: 'door',
      subjectId: id,
      before: { memberId, displayName },
    });
  });
}

const lockOf = (s: repo.LockState | null) => (s === null ? null : s);

/**
 * What a lock reported, applied once: the door's row is read FOR UPDATE, so two server processes
 * that both hear the message write one change and one event. Settles the requests the state
 * fulfils, tells a manual turn of the knob from a requested one, arms the relock, and raises the
 * forced-open alarm when the door opens while the lock says locked. Answers the door's state after.
 */
export async function recordReport(
  db: Db,
  ref: { siteId: string; id: string },
  report: StateReport,
  now: Date,
): Promise<{ lockState: repo.LockState | null; contact: boolean | null } | undefined> {
  return db.transaction(async (tx) => {
    const door = await repo.findDoor(tx, ref.siteId, ref.id, true);
    if (!door) return undefined;
    const lockState = report.lockState ?? door.lockState;
    const contact = report.contact ?? door.contact;
    const confirmedActions: repo.DoorAction[] = [];
    if (report.lockState === 'locked' || report.lockState === 'unlocked') {
      const action = report.lockState === 'locked' ? 'lock' : 'unlock';
      for (const r of await repo.confirmRequests(tx, ref.siteId, ref.id, action, now)) {
        confirmedActions.push(action);
        await insertEvent(tx, {
          siteId: ref.siteId,
          actorId: r.actorId,
          type: 'door.confirmed',
          subjectType: 'door',
          subjectId: ref.id,
          after: { requestId: r.id, action, lockState: report.lockState },
        });
      }
    }
    const lockChanged = lockState !== door.lockState;
    const contactChanged = contact !== door.contact;
    const next = { ...door, lockState, contact, seenAt: now };
    if (lockChanged) {
      next.unlockedSince = lockState === 'locked' || lockState === null ? null : (door.unlockedSince ?? now);
      if (lockState === 'locked') next.relockAt = null;
      else if (
        door.lockState !== 'unlocked' &&
        door.lockState !== 'not_fully_locked' &&
        door.relockSeconds > 0
      )
        next.relockAt = new Date(now.getTime() + door.relockSeconds * 1000);
    }
    // Each confirmed unlock restarts the relock delay, even on a door that was already unlocked.
    if (confirmedActions.includes('unlock') && door.relockSeconds > 0)
      next.relockAt = new Date(now.getTime() + door.relockSeconds * 1000);
    if (contactChanged) next.openSince = contact === false ? (door.openSince ?? now) : null;
    if (lockChanged || contactChanged) {
      const source =
        door.lockState === null && door.contact === null
          ? 'first-report'
          : lockChanged && lockState !== null
            ? confirmedActions.length > 0
              ? 'request'
              : 'manual'
            : 'sensor';
      await insertEvent(tx, {
        siteId: ref.siteId,
        actorId: null,
        type: 'door.state',
        subjectType: 'door',
        subjectId: ref.id,
        before: { lockState: lockOf(door.lockState), contact: door.contact },
        after: { lockState, contact, source },
      });
      // The door opened while the lock says it is locked: forced (or a broken latch).
      if (contactChanged && contact === false && door.contact !== null && lockState === 'locked') {
        const alarmId = await repo.openAlarm(tx, ref.siteId, ref.id, 'forced-open', now);
        if (alarmId)
          await insertEvent(tx, {
            siteId: ref.siteId,
            actorId: null,
            type: 'door.alarm',
            subjectType: 'door',
            subjectId: ref.id,
            after: { alarmId, kind: 'forced-open', since: now.toISOString(), reminder: false },
          });
      }
    }
    // A door locked or closed again ends its episodes at once (the alarms task clears the rest).
    const ended: repo.AlarmKind[] = [];
    if (lockChanged && lockState === 'locked') ended.push('left-unlocked');
    if (contactChanged && contact === true) ended.push('held-open', 'forced-open');
    if (ended.length > 0)
      for (const a of await repo.endAlarmsOfKinds(tx, ref.siteId, ref.id, ended, now))
        await insertEvent(tx, {
          siteId: ref.siteId,
          actorId: null,
          type: 'door.alarm-cleared',
          subjectType: 'door',
          subjectId: ref.id,
          after: { alarmId: a.id, kind: a.kind },
        });
    await repo.saveDeviceState(tx, next);
    return { lockState, contact };
  });
}

/** An availability message, applied once (see recordReport). */
export async function recordAvailability(
  db: Db,
  ref: { siteId: string; id: string },
  online: boolean,
  now: Date,
): Promise<void> {
  await db.transaction(async (tx) => {
    const door = await repo.findDoor(tx, ref.siteId, ref.id, true);
    if (!door) return;
    if (door.online !== online)
      await insertEvent(tx, {
        siteId: ref.siteId,
        actorId: null,
        type: 'door.availability',
        subjectType: 'door',
        subjectId: ref.id,
        before: { online: door.online },
        after: { online },
      });
    await repo.saveDeviceState(tx, { ...door, online, seenAt: now });
  });
}

/** Notes that a door was heard from, written at most every `everyMs` (its staleness depends on it). */
export async function noteSeen(db: Db, ref: { siteId: string; id: string }, now: Date, everyMs: number) {
  await repo.touchSeen(db, ref.siteId, ref.id, now, everyMs);
}

/** Requests whose lock did not confirm by their deadline: timed out, each once, with an event. */
export async function expireDoorRequests(db: Db, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const expired = await repo.expireRequests(tx, now);
    for (const r of expired)
      await insertEvent(tx, {
        siteId: r.siteId,
        actorId: r.actorId,
        type: 'door.timed-out',
        subjectType: 'door',
        subjectId: r.doorId,
        after: { requestId: r.id, action: r.action },
      });
    return expired.length;
  });
}

/**
 * Claims the doors due to relock and records a system lock request for each; answers what to
 * send. Each door is claimed by one process, so the command goes out once.
 */
export async function claimDueRelocks(
  db: Db,
  now: Date,
  confirmMs: number,
): Promise<{ siteId: string; doorId: string; topic: string; requestId: string }[]> {
  return db.transaction(async (tx) => {
    const out: { siteId: string; doorId: string; topic: string; requestId: string }[] = [];
    for (const due of await repo.claimRelocks(tx, now)) {
      const door = await repo.findDoor(tx, due.siteId, due.id);
      if (!door || door.lockState === 'locked') continue;
      const request = await repo.insertRequest(tx, {
        siteId: due.siteId,
        doorId: due.id,
        actorId: null,
        action: 'lock',
        reason: 'auto-relock',
        at: now,
        deadline: new Date(now.getTime() + confirmMs),
      });
      await insertEvent(tx, {
        siteId: due.siteId,
        actorId: null,
        type: 'door.requested',
        subjectType: 'door',
        subjectId: due.id,
        after: { requestId: request.id, action: 'lock', as: 'auto-relock' },
        reason: 'auto-relock',
      });
      out.push({ siteId: due.siteId, doorId: due.id, topic: door.topic, requestId: request.id });
    }
    return out;
  });
}

/** When the next automatic relock falls due after `now`, up to `until`. */
export function nextRelockDue(db: Db, now: Date, until: Date): Promise<Date | null> {
  return repo.nextRelockDue(db, now, until);
}

const hourMs = 3_600_000;

/** An alarm raised, repeated or cleared: its event (the door's owner and admins are told). */
async function alarmEvent(
  db: Queryable,
  door: repo.DoorRow,
  e: Extract<TypedEvent, { type: 'door.alarm' | 'door.alarm-cleared' }>,
): Promise<void> {
  const head = { siteId: door.siteId, actorId: null, subjectType: 'door', subjectId: door.id };
  if (e.type === 'door.alarm') await insertEvent(db, { ...head, type: e.type, after: e.after });
  else await insertEvent(db, { ...head, type: e.type, after: e.after });
}

type AlarmStep = 'raise' | 'remind' | 'clear';

/**
 * What the alarms of one door call for at `now` (see checkDoorAlarms), and the first instant after
 * `now` at which that could change without anyone touching the door: an episode reaching its delay,
 * a reminder an hour after the last notice, a checked-in booking starting or ending. Only future
 * instants: what is due now is done by the run, so planning never names a past instant again.
 */
export function planDoorAlarms(
  c: repo.AlarmCandidate,
  now: Date,
): { steps: Partial<Record<repo.AlarmKind, AlarmStep>>; nextAt: Date | null } {
  const d = c.door;
  const delayMs = (d.alarmSeconds ?? d.siteAlarmSeconds) * 1000;
  const t = now.getTime();
  const steps: Partial<Record<repo.AlarmKind, AlarmStep>> = {};
  // Offline: the state is unknown, so nothing is raised or cleared until the lock is back (a report).
  if (d.online === false) return { steps, nextAt: null };
  const dueAt = (since: Date | null) => (since ? new Date(since).getTime() + delayMs : null);
  const unlockedDue = d.lockState !== 'locked' ? dueAt(d.unlockedSince) : null;
  const openDue = d.hasContact && d.contact === false ? dueAt(d.openSince) : null;
  const wanted: Record<repo.AlarmKind, boolean> = {
    'left-unlocked': unlockedDue !== null && unlockedDue <= t && !c.inUse,
    'held-open': openDue !== null && openDue <= t && !c.inUse,
    'forced-open': d.contact === false,
  };
  const later: number[] = [];
  for (const kind of ['left-unlocked', 'held-open', 'forced-open'] as const) {
    const open = c.open.find((a) => a.kind === kind);
    if (wanted[kind] && !open && kind !== 'forced-open') steps[kind] = 'raise';
    else if (wanted[kind] && open) {
      const remindAt = open.notifiedAt.getTime() + hourMs;
      if (remindAt <= t) steps[kind] = 'remind';
      else later.push(remindAt);
    } else if (!wanted[kind] && open) steps[kind] = 'clear';
  }
  for (const due of [unlockedDue, openDue]) if (due !== null && due > t) later.push(due);
  if (c.useChangesAt && (unlockedDue !== null || openDue !== null || c.open.length > 0))
    later.push(c.useChangesAt.getTime());
  const future = later.filter((x) => x > t);
  return { steps, nextAt: future.length > 0 ? new Date(Math.min(...future)) : null };
}

/**
 * When the door alarms next call for a run after `now` (up to `until`), or null: the scheduler's
 * timer for the door-alarms task, so an alarm is raised on its instant rather than at a poll.
 */
export async function nextDoorAlarmDue(db: Db, now: Date, until: Date): Promise<Date | null> {
  let next: Date | null = null;
  for (const c of await repo.listAlarmCandidates(db, now)) {
    const { nextAt } = planDoorAlarms(c, now);
    if (nextAt && nextAt <= until && (!next || nextAt < next)) next = nextAt;
  }
  return next;
}

/**
 * Raises, repeats and clears the door alarms from the doors' state at `now`:
 * - left unlocked: (not fully) unlocked for longer than the delay while no checked-in booking runs;
 * - held open: the contact open for longer than the delay while no checked-in booking runs;
 * - forced open (raised by the report itself): until the door closes.
 * An episode notifies once when raised and again each hour it lasts. The open-episode index and the
 * conditional updates make each of these happen once even with two server processes.
 */
export async function checkDoorAlarms(db: Db, now: Date): Promise<{ raised: number; cleared: number }> {
  const counts = { raised: 0, cleared: 0 };
  for (const c of await repo.listAlarmCandidates(db, now)) {
    const d = c.door;
    const { steps } = planDoorAlarms(c, now);
    if (Object.keys(steps).length === 0) continue;
    await db.transaction(async (tx) => {
      for (const kind of ['left-unlocked', 'held-open', 'forced-open'] as const) {
        const open = c.open.find((a) => a.kind === kind);
        const step = steps[kind];
        if (step === 'raise') {
          const alarmId = await repo.openAlarm(tx, d.siteId, d.id, kind, now);
          if (alarmId) {
            counts.raised += 1;
            const started = kind === 'left-unlocked' ? d.unlockedSince : d.openSince;
            await alarmEvent(tx, d, {
              type: 'door.alarm',
              after: { alarmId, kind, since: iso(started), reminder: false },
            });
          }
        } else if (step === 'remind' && open) {
          const due = new Date(now.getTime() - hourMs);
          if (await repo.remindAlarm(tx, d.siteId, open.id, due, now))
            await alarmEvent(tx, d, {
              type: 'door.alarm',
              after: { alarmId: open.id, kind, since: open.startedAt.toISOString(), reminder: true },
            });
        } else if (step === 'clear' && open) {
          if (await repo.endAlarm(tx, d.siteId, open.id, now)) {
            counts.cleared += 1;
            await alarmEvent(tx, d, { type: 'door.alarm-cleared', after: { alarmId: open.id, kind } });
          }
        }
      }
    });
  }
  return counts;
}
