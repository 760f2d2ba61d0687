import { client, must } from './api.ts';
import { bookingsChanged, queryClient } from './queries.ts';

/** The partner proposals to and from the member (partners.tsx lists them). */
export const proposalsKey = ['proposals'] as const;

/** Accept or decline a proposal; accepting books it. Answers a sentence for a status line. */
export async function answerProposal(id: string, accept: boolean): Promise<string> {
  const p = await must(
    accept
      ? client.POST('/api/v1/partners/proposals/{id}/accept', { params: { path: { id } } })
      : client.POST('/api/v1/partners/proposals/{id}/decline', { params: { path: { id } } }),
  );
  await queryClient.invalidateQueries({ queryKey: proposalsKey });
  if (accept) await bookingsChanged();
  return accept
    ? `Booked ${p.discipline} with ${p.from.displayName}.`
    : `Declined ${p.from.displayName}'s proposal.`;
}
