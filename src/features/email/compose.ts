import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { formatInZone, zonedInstant } from '../../domain/time.ts';
import type { DueMail, MailBooking } from './repository.ts';

export interface Attachment {
  filename: string;
  content: string;
  contentType: string;
}

/** One message as it goes to SMTP: a plain-text and an HTML part, and .ics attachments. */
export interface ComposedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments: Attachment[];
  /** Stable per notice (or digest), so a receiver can tell a re-sent message from a new one. */
  messageId: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Kinds of notice about the member's own booking that carry it as an invitation (.ics). */
const invitationKinds = new Set(['booking-moved', 'booking-cancelled']);

/**
 * The .ics of a booking for its member: METHOD:REQUEST while it takes place, METHOD:CANCEL once
 * cancelled or released. The UID is the one the calendar feeds use, and SEQUENCE its version, so a
 * calendar updates the event it already has.
 */
export function invitation(
  b: MailBooking,
  to: { email: string; name: string },
  zone: string,
  domain: string,
): Attachment {
  const cancelled = b.status === 'cancelled' || b.status === 'released';
  const method = cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST;
  const cal = ical({
    prodId: { company: 'Shipshape', product: 'email', language: 'EN' },
    method,
    timezone: { name: null, generator: () => null },
  });
  cal.createEvent({
    id: `booking-${b.id}@${domain}`,
    sequence: Math.max(0, b.version - 1),
    start: zonedInstant(new Date(b.start), 'UTC'),
    end: zonedInstant(new Date(b.end), 'UTC'),
    stamp: new Date(),
    lastModified: new Date(b.updatedAt),
    summary: b.title,
    location: b.spaceName,
    description: `${b.title} in ${b.spaceName}, ${formatInZone(new Date(b.start), zone)} to ${formatInZone(new Date(b.end), zone)}`,
    status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: { name: b.organizerName, email: b.organizerEmail },
    attendees: [{ name: to.name, email: to.email, rsvp: false }],
  });
  return {
    filename: cancelled ? 'cancelled.ics' : 'invite.ics',
    content: cal.toString(),
    contentType: `text/calendar; charset=utf-8; method=${method}`,
  };
}

function wrapHtml(title: string, inner: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family: sans-serif">${inner}<p style="color:#666;font-size:small">Shipshape — change which notices come by email under Settings › Notifications.</p></body></html>`;
}

/** One notice as one message. */
export function composeNotice(m: DueMail, booking: MailBooking | undefined, domain: string): ComposedMail {
  const attachments =
    booking && invitationKinds.has(m.kind)
      ? [invitation(booking, { email: m.email, name: m.displayName }, m.timeZone, domain)]
      : [];
  return {
    to: m.email,
    subject: `[${m.siteName}] ${m.title}`,
    text: `${m.title}\n\n${m.body}\n\n— Shipshape, ${m.siteName}\n`,
    html: wrapHtml(m.title, `<h2>${escapeHtml(m.title)}</h2><p>${escapeHtml(m.body)}</p>`),
    attachments,
    messageId: `<notice-${m.notificationId}@${domain}>`,
  };
}

/** Several notices held over quiet hours as one message, oldest first. */
export function composeDigest(
  ms: DueMail[],
  bookings: Map<string, MailBooking>,
  domain: string,
): ComposedMail {
  const first = ms[0]!;
  const attachments = ms.flatMap((m) => {
    const b = m.bookingId ? bookings.get(m.bookingId) : undefined;
    return b && invitationKinds.has(m.kind)
      ? [invitation(b, { email: m.email, name: m.displayName }, m.timeZone, domain)]
      : [];
  });
  const subject = `[${first.siteName}] ${ms.length} notices while you were off`;
  return {
    to: first.email,
    subject,
    text: `${ms.map((m) => `* ${m.title}\n  ${m.body}`).join('\n\n')}\n\n— Shipshape, ${first.siteName}\n`,
    html: wrapHtml(
      subject,
      `<h2>${escapeHtml(subject)}</h2><ul>${ms
        .map((m) => `<li><strong>${escapeHtml(m.title)}</strong><br>${escapeHtml(m.body)}</li>`)
        .join('')}</ul>`,
    ),
    attachments,
    messageId: `<digest-${first.notificationId}-${ms[ms.length - 1]!.notificationId}@${domain}>`,
  };
}
