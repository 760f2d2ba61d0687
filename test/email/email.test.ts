import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { FakeClock } from '../../src/domain/clock.ts';
import { deliverEmail } from '../../src/features/email/service.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';
import { Inbox } from './inbox.ts';

/** The VEVENT and METHOD of a parsed .ics attachment, read with ical.js. */
function readIcs(mail: ParsedMail) {
  const att = mail.attachments.find((a) => a.filename?.endsWith('.ics'));
  assert.ok(att, 'an .ics attachment');
  const root = new ICAL.Component(ICAL.parse(att.content.toString('utf8')));
  const ev = root.getFirstSubcomponent('vevent')!;
  return {
    method: String(root.getFirstPropertyValue('method')),
    uid: String(ev.getFirstPropertyValue('uid')),
    sequence: Number(ev.getFirstPropertyValue('sequence')),
    status: String(ev.getFirstPropertyValue('status')),
    start: (ev.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
    contentType: att.contentType,
  };
}

for (const kind of storeKinds()) {
  describe(`email notices (${kind})`, () => {
    let t: TestApp;
    const clock = new FakeClock('2026-11-02T03:00:00Z'); // 14:00 at the site (Asia/Kathmandu)
    const inbox = new Inbox();
    let transport: ReturnType<typeof nodemailer.createTransport>;
    let ada: Caller;
    let ben: Caller;
    let cy: Caller;
    let space: string;
    const send = () =>
      deliverEmail(t.db, clock, {
        transport,
        from: 'Shipshape <crew@meridian.example>',
        domain: 'meridian.example',
      });
    const flush = async () => {
      await runDelivery(t.db);
      return send();
    };
    before(async () => {
      t = await startTestApp(kind, { clock });
      await inbox.start();
      transport = nodemailer.createTransport(`smtp://127.0.0.1:${inbox.port}`);
      ada = await t.buildMember({ displayName: 'Ada' });
      ben = await t.buildMember({ displayName: 'Ben', email: 'ben@meridian.example' });
      cy = await t.buildMember({ displayName: 'Cy' });
      space = await buildSpace(t, { name: 'Ring' });
    });
    after(async () => {
      transport.close();
      await inbox.stop();
      await t.close();
    });

    it('keeps email off by default and refuses unknown kinds naming the field', async () => {
      const prefs = await t.request('GET', '/api/v1/email/preferences', { as: ben });
      assert.equal(prefs.status, 200);
      assert.equal(prefs.body.kinds['booking-moved'], false);
      const bad = await t.request('PUT', '/api/v1/email/preferences', {
        as: ben,
        body: { kinds: { spam: true } },
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.field, /body\.kinds/);
      const wrongType = await t.request('PUT', '/api/v1/email/preferences', {
        as: ben,
        body: { kinds: { 'booking-moved': 'yes' } },
      });
      assert.equal(wrongType.status, 400);
      const still = await t.request('GET', '/api/v1/email/preferences', { as: ben });
      assert.equal(still.body.kinds['booking-moved'], false, 'nothing changed');
      const on = await t.request('PUT', '/api/v1/email/preferences', {
        as: ben,
        body: { kinds: { 'booking-moved': true, 'booking-cancelled': true, 'adjacent-booking': true } },
      });
      assert.equal(on.status, 200);
      assert.equal(on.body.kinds['booking-moved'], true);
    });

    let bookingId = '';
    it('mails a move with a text and an HTML part and an .ics REQUEST; a cancellation with a CANCEL', async () => {
      const made = await t.request('POST', '/api/v1/bookings', {
        as: ada,
        body: {
          spaceId: space,
          title: 'Sparring',
          start: '2026-11-03T10:00:00Z',
          end: '2026-11-03T11:00:00Z',
          participants: { members: [ben.id] },
        },
      });
      assert.equal(made.status, 201);
      bookingId = made.body.id;
      const moved = await t.request('POST', `/api/v1/bookings/${bookingId}/move`, {
        as: ada,
        body: { start: '2026-11-03T12:00:00Z', end: '2026-11-03T13:00:00Z' },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      await flush();
      assert.equal(inbox.mails.length, 1);
      const mail = inbox.mails[0]!;
      assert.equal((mail.to as { text: string }).text, 'ben@meridian.example');
      assert.match(String(mail.from?.text), /crew@meridian\.example/);
      assert.match(String(mail.subject), /Sparring moved/);
      assert.match(String(mail.messageId), /^<notice-\d+@meridian\.example>$/);
      assert.match(String(mail.text), /Sparring now takes place/);
      assert.match(String(mail.html), /<h2>Sparring moved/);
      const ics = readIcs(mail);
      assert.equal(ics.method, 'REQUEST');
      assert.match(ics.contentType, /text\/calendar/);
      assert.equal(ics.uid, `booking-${bookingId}@meridian.example`, 'the UID the feeds use');
      assert.equal(ics.start, '2026-11-03T12:00:00.000Z');
      assert.ok(ics.sequence >= 1);

      const cancelled = await t.request('POST', `/api/v1/bookings/${bookingId}/cancel`, {
        as: ada,
        body: {},
      });
      assert.equal(cancelled.status, 200);
      await flush();
      assert.equal(inbox.mails.length, 2);
      const cancel = readIcs(inbox.mails[1]!);
      assert.equal(cancel.method, 'CANCEL');
      assert.equal(cancel.status, 'CANCELLED');
      assert.equal(cancel.uid, ics.uid);
      assert.ok(cancel.sequence > ics.sequence);
      // Ada chose no email: she got none, and nothing is sent twice.
      await send();
      assert.equal(inbox.mails.length, 2);
    });

    it('retries a server that refuses or drops the connection, and sends each message once', async () => {
      inbox.mails = [];
      const a = await t.request('POST', '/api/v1/bookings', {
        as: ada,
        body: {
          spaceId: space,
          title: 'Pads',
          start: '2026-11-04T10:00:00Z',
          end: '2026-11-04T11:00:00Z',
          participants: { members: [ben.id] },
        },
      });
      await t.request('POST', `/api/v1/bookings/${a.body.id}/cancel`, { as: ada, body: {} });
      inbox.mode = 'refuse';
      await flush();
      assert.equal(inbox.refused, 1);
      assert.equal(inbox.mails.length, 0);
      const row = await t.db.query<{ attempts: number; next: Date; err: string }>(
        'SELECT attempts, next_attempt_at AS next, last_error AS err FROM email_outbox WHERE sent_at IS NULL',
      );
      assert.equal(row.rows.length, 1);
      assert.equal(row.rows[0]!.attempts, 1);
      assert.match(row.rows[0]!.err, /451|busy/i);
      assert.ok(new Date(row.rows[0]!.next).getTime() > clock.now().getTime(), 'backs off');
      await send();
      assert.equal(inbox.refused, 1, 'not retried before its time');
      clock.advance(30_000);
      inbox.mode = 'drop';
      await send();
      assert.equal(inbox.refused, 2);
      clock.advance(120_000);
      inbox.mode = 'ok';
      await Promise.all([send(), send()]);
      await send();
      assert.equal(inbox.mails.length, 1, 'delivered once, by one of two senders');
      assert.match(String(inbox.mails[0]!.subject), /Pads was cancelled/);
    });

    it('holds non-urgent mail over quiet hours and sends one digest at their end; urgent mail goes at once', async () => {
      inbox.mails = [];
      await t.db.query(`UPDATE sites SET quiet_start = '22:00', quiet_end = '06:00' WHERE site_id = $1`, [
        t.siteId,
      ]);
      clock.set('2026-11-05T17:00:00Z'); // 22:45 in Kathmandu
      const b = await t.request('POST', '/api/v1/bookings', {
        as: ben,
        body: {
          spaceId: space,
          title: 'Late laps',
          start: '2026-11-06T10:00:00Z',
          end: '2026-11-06T11:00:00Z',
        },
      });
      assert.equal(b.status, 201);
      // Two neighbours book next to Ben (non-urgent), one of them private; then Ada moves a session of his (urgent).
      await t.request('POST', '/api/v1/bookings', {
        as: cy,
        body: {
          spaceId: space,
          title: 'Secret plan',
          start: '2026-11-06T11:00:00Z',
          end: '2026-11-06T11:30:00Z',
          visibility: 'private',
        },
      });
      await t.request('POST', '/api/v1/bookings', {
        as: ada,
        body: {
          spaceId: space,
          title: 'Cooldown',
          start: '2026-11-06T09:30:00Z',
          end: '2026-11-06T10:00:00Z',
        },
      });
      const shared = await t.request('POST', '/api/v1/bookings', {
        as: ada,
        body: {
          spaceId: space,
          title: 'Footwork',
          start: '2026-11-07T10:00:00Z',
          end: '2026-11-07T11:00:00Z',
          participants: { members: [ben.id] },
        },
      });
      await t.request('POST', `/api/v1/bookings/${shared.body.id}/move`, {
        as: ada,
        body: { start: '2026-11-07T12:00:00Z', end: '2026-11-07T13:00:00Z' },
      });
      await flush();
      assert.deepEqual(
        inbox.mails.map((m) => m.subject),
        ['[Test vessel] Footwork moved to Ring'],
        'only the urgent one',
      );
      clock.set('2026-11-06T00:14:00Z'); // 05:59
      await send();
      assert.equal(inbox.mails.length, 1, 'still quiet');
      clock.set('2026-11-06T00:15:00Z'); // 06:00
      await send();
      assert.equal(inbox.mails.length, 2);
      const digest = inbox.mails[1]!;
      assert.match(String(digest.subject), /2 notices while you were off/);
      assert.match(String(digest.text), /booked right after you/);
      assert.match(String(digest.text), /booked right before you/);
      assert.ok(
        !String(digest.text).includes('Secret plan') && !String(digest.html).includes('Secret plan'),
        'a private booking stays busy',
      );
      assert.ok(!String(digest.text).includes('Cy'), 'nor its organizer');
      await send();
      assert.equal(inbox.mails.length, 2);
    });
  });
}
