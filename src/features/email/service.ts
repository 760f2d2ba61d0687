import type { Db } from '../../db/store.ts';
import type { Clock } from '../../domain/clock.ts';
import { quietHoursEnd } from '../../domain/time.ts';
import type { Ctx } from '../context.ts';
import { invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { emailDeliveries } from '../metrics/registry.ts';
import { type NoticeKind, noticeKinds } from '../notifications/service.ts';
import { type ComposedMail, composeDigest, composeNotice } from './compose.ts';
import * as repo from './repository.ts';

/** Per kind of notice: true to get it by email too (in-app always). Off unless chosen. */
export type EmailPreferences = Record<NoticeKind, boolean>;

export async function getEmailPreferences(ctx: Ctx): Promise<EmailPreferences> {
  const rows = await repo.listEmailPreferences(ctx.db, ctx.actor.siteId, ctx.actor.memberId);
  const prefs = Object.fromEntries(noticeKinds.map((k) => [k, false])) as EmailPreferences;
  for (const r of rows)
    if ((noticeKinds as readonly string[]).includes(r.kind)) prefs[r.kind as NoticeKind] = r.enabled;
  return prefs;
}

/** Turns email on or off per kind for the caller; unknown kinds are a field error and change nothing. */
export async function setEmailPreferences(
  ctx: Ctx,
  changes: Record<string, unknown>,
): Promise<EmailPreferences> {
  for (const [kind, enabled] of Object.entries(changes)) {
    if (!(noticeKinds as readonly string[]).includes(kind))
      throw invalid(`body.${kind}`, `${kind} is not a kind of notice (${noticeKinds.join(', ')})`);
    if (typeof enabled !== 'boolean') throw invalid(`body.${kind}`, `body.${kind} must be true or false`);
  }
  const before = await getEmailPreferences(ctx);
  await ctx.db.transaction(async (tx) => {
    for (const [kind, enabled] of Object.entries(changes))
      await repo.setEmailPreference(tx, ctx.actor.siteId, ctx.actor.memberId, kind, enabled as boolean);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'member.email-preferences',
      subjectType: 'member',
      subjectId: ctx.actor.memberId,
      before,
      after: { ...before, ...changes },
    });
  });
  return getEmailPreferences(ctx);
}

/** Kinds that cannot wait for the end of quiet hours: they are about the next minutes. */
const urgentKinds = new Set(['heads-up', 'next-group-waiting', 'booking-moved']);

/** Something that sends one message (nodemailer's transport in the server; the tests use it too). */
export interface MailTransport {
  sendMail(mail: {
    from: string;
    to: string;
    subject: string;
    text: string;
    html: string;
    messageId: string;
    attachments: { filename: string; content: string; contentType: string }[];
  }): Promise<unknown>;
}

export interface EmailOptions {
  transport: MailTransport;
  from: string;
  /** Host part of message ids and calendar UIDs. */
  domain: string;
  leaseMs?: number;
}

/** After the n-th failed attempt: 30 s, 2 min, 10 min, 30 min, then hourly, up to 6 h; never given up. */
export function emailRetryMs(failedAttempts: number): number {
  const steps = [30, 120, 600, 1800, 3600, 7200, 14_400];
  return (steps[failedAttempts - 1] ?? 21_600) * 1000;
}

async function sendOne(
  db: Db,
  clock: Clock,
  opts: EmailOptions,
  group: repo.DueMail[],
  mail: ComposedMail,
): Promise<boolean> {
  const siteId = group[0]!.siteId;
  const ids = group.map((m) => m.notificationId);
  try {
    await opts.transport.sendMail({ from: opts.from, ...mail });
    await repo.markSent(db, siteId, ids, mail.messageId, clock.now());
    emailDeliveries.inc({ result: group.length > 1 ? 'digest' : 'sent' });
    return true;
  } catch (err) {
    const attempts = Math.max(...group.map((m) => m.attempts)) + 1;
    await repo.markFailed(
      db,
      siteId,
      ids,
      String((err as Error).message ?? err),
      new Date(clock.now().getTime() + emailRetryMs(attempts)),
    );
    emailDeliveries.inc({ result: 'failed' });
    return false;
  }
}

/**
 * Sends the notices members chose to get by email, from the email outbox: at least once (a row is
 * marked sent only after the SMTP server accepted it; a crash in between sends it again with the
 * same Message-ID), once across servers (leases under SKIP LOCKED), retried with backoff. During a
 * member's site's quiet hours non-urgent notices are held, and at their end go as one digest.
 */
export async function deliverEmail(db: Db, clock: Clock, opts: EmailOptions): Promise<number> {
  let sent = 0;
  for (;;) {
    const due = await db.transaction((tx) =>
      repo.leaseDueMail(tx, clock.now(), opts.leaseMs ?? 120_000, 100),
    );
    if (due.length === 0) return sent;
    const byMember = new Map<string, repo.DueMail[]>();
    for (const m of due)
      byMember.set(`${m.siteId}/${m.memberId}`, [...(byMember.get(`${m.siteId}/${m.memberId}`) ?? []), m]);
    for (const group of byMember.values()) {
      const first = group[0]!;
      const now = clock.now();
      const quietEnd =
        first.quietStart && first.quietEnd
          ? quietHoursEnd(now, first.timeZone, first.quietStart, first.quietEnd)
          : undefined;
      const urgent = group.filter((m) => urgentKinds.has(m.kind));
      const rest = group.filter((m) => !urgentKinds.has(m.kind));
      if (quietEnd && rest.length > 0)
        await repo.holdUntil(
          db,
          first.siteId,
          rest.map((m) => m.notificationId),
          quietEnd,
        );
      const bookings = new Map<string, repo.MailBooking>();
      for (const m of group)
        if (m.bookingId && !bookings.has(m.bookingId)) {
          const b = await repo.mailBooking(db, m.siteId, m.bookingId);
          if (b) bookings.set(b.id, b);
        }
      const singles = quietEnd ? urgent : rest.length > 1 ? urgent : group;
      for (const m of singles)
        if (
          await sendOne(
            db,
            clock,
            opts,
            [m],
            composeNotice(m, m.bookingId ? bookings.get(m.bookingId) : undefined, opts.domain),
          )
        )
          sent++;
      if (
        !quietEnd &&
        rest.length > 1 &&
        (await sendOne(db, clock, opts, rest, composeDigest(rest, bookings, opts.domain)))
      )
        sent++;
    }
    if (due.length < 100) return sent;
  }
}
