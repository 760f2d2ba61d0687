import { Type } from 'typebox';
import { Uuid } from '../../http/schemas.ts';

const Span = Type.Object({
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
});

/** Free intervals per space, and the first free slots of a length when one was asked for. */
export const Availability = Type.Object({
  spaces: Type.Array(
    Type.Object({ spaceId: Uuid, free: Type.Array(Span), slots: Type.Optional(Type.Array(Span)) }),
  ),
});
