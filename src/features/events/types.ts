/**
 * The event types whose payloads are read back (by the notice derivation, the webhook payload and
 * the door log), with what their writers record: one definition that insertEvent checks the writers
 * against and the readers narrow to. Other event types are the audit trail only; their payloads
 * stay free-form.
 */
import type { BookingSnapshot } from '../bookings/service.ts';
import type { DoorGrant } from '../doors/policy.ts';
import type { AlarmKind, DoorAction, DoorFields, LockState } from '../doors/repository.ts';
import type { ProposalView } from '../partners/service.ts';
import type { SeriesView } from '../series/service.ts';
import type { WaitlistEntryView } from '../waitlist/service.ts';

/** A booking's change: what it was and what it is. */
type BookingChange = { before: BookingSnapshot; after: BookingSnapshot };
/** A door's settings as its created and updated events record them. */
type DoorSettings = Omit<DoorFields, 'spaceId'>;
/** What a lock reported: its state (null until first heard) and the contact (true: closed). */
type DoorDevice = { lockState: LockState | null; contact: boolean | null };
type WaitlistServed = {
  before?: undefined;
  after: { memberId: string; booking: BookingSnapshot; entry: WaitlistEntryView };
};

export interface EventPayloads {
  'booking.created': { before?: undefined; after: BookingSnapshot };
  'booking.updated': BookingChange;
  'booking.moved': BookingChange;
  /** `bySeries`: cancelled with its series, whose own event tells its people once. */
  'booking.cancelled': { before: BookingSnapshot; after: BookingSnapshot & { bySeries?: boolean } };
  'booking.released': BookingChange;
  'booking.checked-in': BookingChange;
  'booking.checked-out': BookingChange;
  'booking.completed': BookingChange;
  /** Someone tried to check in early: `waiting` is their booking, `holderIds` the bookings told. */
  'booking.checkin-refused': {
    before?: undefined;
    after: { waiting: BookingSnapshot; holderIds: string[]; freeAt: string };
  };
  /** The session before `waiting` left its space early (checked out or moved out). */
  'booking.space-freed': {
    before?: undefined;
    after: { waiting: BookingSnapshot; freedBy: string; how?: string };
  };
  'booking.heads-up': { before?: undefined; after: { booking: BookingSnapshot; next: BookingSnapshot } };
  'series.created': {
    before?: undefined;
    after: SeriesView & {
      memberIds: string[];
      booked: number;
      skipped: number;
      firstBookingId: string | null;
      firstStart: string | null;
    };
  };
  'series.cancelled': {
    before: SeriesView;
    after: {
      scope: 'one' | 'following' | 'all';
      occurrence: string | null;
      cancelled: number;
      firstBookingId: string | null;
      firstStart: string | null;
      spaceId: string;
      title: string;
      memberIds: string[];
      squadIds: string[];
      organizerId: string;
    };
  };
  /** A split of a series (scope following or all): `before` the series changed, `newSeries` the one made. */
  'series.changed': {
    before: SeriesView;
    after: { scope: 'one' | 'following' | 'all'; from: string; newSeries: SeriesView; replaced: string[] };
  };
  'waitlist.offered': WaitlistServed;
  'waitlist.booked': WaitlistServed;
  /** An offer's hold ran out and passed on; `booking` is the hold given back (null if gone). */
  'waitlist.expired': {
    before?: undefined;
    after: { memberId: string; booking: BookingSnapshot | null; entry: WaitlistEntryView };
  };
  'partner.proposed': { before?: undefined; after: ProposalView };
  'partner.accepted': { before: ProposalView; after: ProposalView };
  'partner.declined': { before: ProposalView; after: ProposalView };
  'door.created': { before?: undefined; after: DoorSettings & { spaceId: string } };
  'door.updated': { before: DoorSettings; after: DoorSettings };
  /** `as`: why the door opens for the caller, or auto-relock for the system's own lock request. */
  'door.requested': {
    before?: undefined;
    after: {
      requestId: string;
      action: DoorAction;
      as: Extract<DoorGrant, { allowed: true }>['as'] | 'auto-relock';
    };
  };
  'door.refused': {
    before?: undefined;
    after: { action: DoorAction; why: Extract<DoorGrant, { allowed: false }>['why'] };
  };
  'door.confirmed': {
    before?: undefined;
    after: { requestId: string; action: DoorAction; lockState: 'locked' | 'unlocked' };
  };
  'door.timed-out': { before?: undefined; after: { requestId: string; action: DoorAction } };
  /** `source`: the first report, a confirmed request, a turn by hand, or the contact sensor alone. */
  'door.state': {
    before: DoorDevice;
    after: DoorDevice & { source: 'first-report' | 'request' | 'manual' | 'sensor' };
  };
  'door.availability': { before: { online: boolean | null }; after: { online: boolean } };
  /** Raised (or repeated: `reminder`); `since` is when the episode began (null if unknown). */
  'door.alarm': {
    before?: undefined;
    after: { alarmId: string; kind: AlarmKind; since: string | null; reminder: boolean };
  };
  'door.alarm-cleared': { before?: undefined; after: { alarmId: string; kind: AlarmKind } };
  /** The guest's name as it was (events from before names were kept have only the id). */
  'door.guest-set': {
    before?: undefined;
    after: { memberId: string; displayName?: string; from: string | null; until: string | null };
  };
  'door.guest-removed': { before: { memberId: string; displayName?: string | null }; after?: undefined };
}

export type TypedEventType = keyof EventPayloads;

/** Every typed event type, for telling a stored row's type apart at run time. */
const typedEventTypes: Record<TypedEventType, true> = {
  'booking.created': true,
  'booking.updated': true,
  'booking.moved': true,
  'booking.cancelled': true,
  'booking.released': true,
  'booking.checked-in': true,
  'booking.checked-out': true,
  'booking.completed': true,
  'booking.checkin-refused': true,
  'booking.space-freed': true,
  'booking.heads-up': true,
  'series.created': true,
  'series.cancelled': true,
  'series.changed': true,
  'waitlist.offered': true,
  'waitlist.booked': true,
  'waitlist.expired': true,
  'partner.proposed': true,
  'partner.accepted': true,
  'partner.declined': true,
  'door.created': true,
  'door.updated': true,
  'door.requested': true,
  'door.refused': true,
  'door.confirmed': true,
  'door.timed-out': true,
  'door.state': true,
  'door.availability': true,
  'door.alarm': true,
  'door.alarm-cleared': true,
  'door.guest-set': true,
  'door.guest-removed': true,
};

/** The payload a writer of `T` gives: typed for the types above, free-form for the rest. */
export type PayloadOf<T extends string> = T extends TypedEventType
  ? EventPayloads[T]
  : { before?: unknown; after?: unknown };

/** A typed event: its type and its payload, as a union that a switch on `type` narrows. */
export type TypedEvent = { [T in TypedEventType]: { type: T } & EventPayloads[T] }[TypedEventType];

/**
 * A stored event row with its type's payload, or null when the type has none. Rows are written only
 * through insertEvent (or by SQL of the bookings and series repositories that writes the same
 * booking snapshot), which checks the payload against its type; so the stored JSON is taken at its
 * type's word here, the one place that does.
 */
export function typedEvent<R extends { type: string; before: unknown; after: unknown }>(
  row: R,
): (Omit<R, 'type' | 'before' | 'after'> & TypedEvent) | null {
  return Object.hasOwn(typedEventTypes, row.type)
    ? (row as unknown as Omit<R, 'type' | 'before' | 'after'> & TypedEvent)
    : null;
}
