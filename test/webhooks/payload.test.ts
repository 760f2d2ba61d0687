import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PendingDelivery } from '../../src/features/webhooks/repository.ts';
import { payloadOf } from '../../src/features/webhooks/service.ts';

/** A stored delivery of an event with this type and payload. */
const delivery = (eventType: string, before: unknown, after: unknown): PendingDelivery => ({
  id: '7',
  eventId: '42',
  eventType,
  eventAt: new Date('2026-11-25T21:00:00Z'),
  attempts: 0,
  nextAttemptAt: new Date('2026-11-25T21:00:00Z'),
  subjectType: eventType.split('.')[0]!,
  subjectId: '00000000-0000-4000-8000-000000000001',
  actorId: null,
  before,
  after,
});

const booking = (id: string) => ({ id, spaceId: 's', start: '2026-11-25T22:00:00.000Z', title: `B ${id}` });
const series = (id: string) => ({ id, spaceId: 's', title: `S ${id}` });
const data = (d: PendingDelivery) => JSON.parse(payloadOf(d, 'site')).data;

describe('webhook payload: the subject each event type is about', () => {
  it('a change of a booking carries the booking as it is after', () => {
    for (const type of ['booking.created', 'booking.moved', 'booking.checked-in', 'booking.completed']) {
      const d = data(delivery(type, type === 'booking.created' ? null : booking('old'), booking('new')));
      assert.deepEqual(d.booking, booking('new'), type);
      assert.equal('series' in d, false, type);
    }
  });

  it('a notice-like booking event carries the booking it is about', () => {
    assert.deepEqual(
      data(delivery('booking.heads-up', null, { booking: booking('ending'), next: booking('next') })).booking,
      booking('ending'),
    );
    assert.deepEqual(
      data(
        delivery('booking.checkin-refused', null, {
          waiting: booking('early'),
          holderIds: ['x'],
          freeAt: '2026-11-25T22:00:00.000Z',
        }),
      ).booking,
      booking('early'),
    );
    assert.deepEqual(
      data(delivery('booking.space-freed', null, { waiting: booking('next'), freedBy: 'x' })).booking,
      booking('next'),
    );
  });

  it('a series event carries the series: as made, or as it was before a cancel or a change', () => {
    assert.deepEqual(data(delivery('series.created', null, series('made'))).series, series('made'));
    const cancelled = data(delivery('series.cancelled', series('was'), { scope: 'all', cancelled: 3 }));
    assert.deepEqual(cancelled.series, series('was'));
    const changed = data(
      delivery('series.changed', series('was'), {
        scope: 'following',
        from: '2026-11-25T22:00:00.000Z',
        newSeries: series('new'),
        replaced: [],
      }),
    );
    assert.deepEqual(changed.series, series('was'));
    assert.equal('booking' in changed, false);
  });

  it('a booking or series event of a type without a payload reader carries null, others neither', () => {
    assert.equal(data(delivery('booking.something-new', null, booking('x'))).booking, null);
    assert.equal(data(delivery('series.something-new', series('x'), null)).series, null);
    const other = data(delivery('member.updated', null, { id: 'm' }));
    assert.equal('booking' in other || 'series' in other, false);
    assert.deepEqual(other.subject, { type: 'member', id: '00000000-0000-4000-8000-000000000001' });
  });
});
