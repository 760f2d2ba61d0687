import type { Queryable } from '../../db/store.ts';

export interface OutboxState {
  outbox: string;
  pending: number;
  /** Seconds since the oldest waiting row's event or notice was written; 0 when none waits. */
  lagSeconds: number;
}

/**
 * How far behind each outbox is, in one round trip: events not yet turned into notices or fanned
 * out to webhooks, webhook deliveries pending, email messages unsent. The lag counts from the
 * event's (or notice's) time, so it is the delay a member or a receiver actually sees.
 */
export async function outboxStates(db: Queryable, now: Date): Promise<OutboxState[]> {
  const res = await db.query<OutboxState>(
    `SELECT 'notices' AS outbox, count(*)::int AS pending,
            COALESCE(EXTRACT(EPOCH FROM ($1::timestamptz - min(e.at))), 0)::float8 AS "lagSeconds"
       FROM notification_outbox o JOIN events e ON e.site_id = o.site_id AND e.id = o.event_id
     UNION ALL
     SELECT 'webhook-fanout', count(*)::int, COALESCE(EXTRACT(EPOCH FROM ($1::timestamptz - min(e.at))), 0)::float8
       FROM webhook_outbox o JOIN events e ON e.site_id = o.site_id AND e.id = o.event_id
     UNION ALL
     SELECT 'webhooks', count(*)::int, COALESCE(EXTRACT(EPOCH FROM ($1::timestamptz - min(event_at))), 0)::float8
       FROM webhook_deliveries WHERE status = 'pending'
     UNION ALL
     SELECT 'email', count(*)::int, COALESCE(EXTRACT(EPOCH FROM ($1::timestamptz - min(created_at))), 0)::float8
       FROM email_outbox WHERE sent_at IS NULL`,
    [now.toISOString()],
  );
  return res.rows.map((r) => ({ ...r, lagSeconds: Math.max(0, Number(r.lagSeconds)) }));
}
