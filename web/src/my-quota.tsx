import { useQuery } from '@tanstack/react-query';
import { client, must } from './api.ts';
import { useSession } from './session.tsx';
import { formatDate, localParts } from './time.ts';

const amount = (n: number, metric: 'hours' | 'sessions') =>
  `${Math.round(n * 100) / 100} ${metric === 'hours' ? (n === 1 ? 'hour' : 'hours') : n === 1 ? 'session' : 'sessions'}`;

/** The caller's fair-use quotas in their current periods: used and left, the tightest first. */
export function MyQuota() {
  const { site } = useSession();
  const quota = useQuery({
    queryKey: ['bookings', 'my-quota'],
    queryFn: async () => (await must(client.GET('/api/v1/me/quota'))).items,
  });
  if (!quota.data || quota.data.length === 0) return null;
  return (
    <section aria-labelledby="my-quota">
      <h2 id="my-quota">My quotas</h2>
      <ul className="quota-usage">
        {quota.data.map((q) => (
          <li key={q.rule.id}>
            <strong>{q.rule.name}</strong>: {amount(q.used, q.rule.metric)} of{' '}
            {amount(q.rule.maximum, q.rule.metric)} used, {amount(q.remaining, q.rule.metric)} left; it starts
            again on {formatDate(localParts(q.periodEnd, site.timeZone))}
          </li>
        ))}
      </ul>
    </section>
  );
}
