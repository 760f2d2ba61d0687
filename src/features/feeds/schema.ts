import { Type } from 'typebox';
import { Uuid } from '../../http/schemas.ts';

/** What a feed follows: the caller's own sessions, a space, or a squad. */
export const feedScopes = ['member', 'space', 'squad'] as const;

/** A feed as its owner sees it; the token itself is shown only when made (or rotated). */
export const Feed = Type.Object({
  id: Uuid,
  scope: Type.String({ description: feedScopes.join(' | ') }),
  subjectId: Uuid,
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const NewFeed = Type.Object(
  {
    scope: Type.Union([Type.Literal('member'), Type.Literal('space'), Type.Literal('squad')]),
    subjectId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

/** A feed made or rotated: the secret (its address is /ical/{token}.ics), shown this once. */
export const FeedCreated = Type.Object({
  feed: Feed,
  token: Type.String({ description: 'The secret, shown only now' }),
  url: Type.String({ description: 'https address of the feed' }),
  webcal: Type.String({ description: 'The same as a webcal:// link (calendar apps subscribe to it)' }),
});
