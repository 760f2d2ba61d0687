import { Type } from 'typebox';
import { noticeKinds } from './service.ts';

export const NoticeId = Type.String({ pattern: '^[0-9]{1,18}$', description: 'A notification id' });

/** A notice as the member's feed answers it. */
export const Notice = Type.Object({
  id: NoticeId,
  kind: Type.String({ description: noticeKinds.join(' | ') }),
  title: Type.String(),
  body: Type.String(),
  bookingId: Type.Union([Type.String(), Type.Null()]),
  data: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String({ format: 'date-time' }),
  read: Type.Boolean(),
});
