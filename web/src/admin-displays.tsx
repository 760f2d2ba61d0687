import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Answer, client, errorText, must } from './api.ts';
import { ListState } from './list-state.tsx';
import { QrCode } from './qr-code.tsx';
import { useSession } from './session.tsx';
import { formatDate, formatTime, localParts } from './time.ts';

type Made = Answer<'/api/v1/spaces/{id}/display-links', 'post'>;

const displayLinksKey = ['display-links'] as const;

/**
 * Room displays: a secret link per space for the tablet at its door (shown once, with a QR code
 * to point the tablet's camera at), the live links, and revoking one.
 */
export function DisplaysAdmin() {
  const { spaces, site } = useSession();
  const made = (at: string) =>
    `${formatDate(localParts(at, site.timeZone))}, ${formatTime(at, site.timeZone)}`;
  const qc = useQueryClient();
  const links = useQuery({
    queryKey: displayLinksKey,
    queryFn: async () => (await must(client.GET('/api/v1/display-links'))).items,
  });
  const [spaceId, setSpaceId] = useState('');
  const [fresh, setFresh] = useState<Made | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const create = useMutation({
    mutationFn: (id: string) =>
      must(client.POST('/api/v1/spaces/{id}/display-links', { params: { path: { id } } })),
    onSuccess: async (answer) => {
      setFresh(answer);
      setStatus('');
      await qc.invalidateQueries({ queryKey: displayLinksKey });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) =>
      must(client.DELETE('/api/v1/display-links/{id}', { params: { path: { id } } })),
    onSuccess: async (_, id) => {
      const link = links.data?.find((l) => l.id === id);
      setConfirming(null);
      setStatus(
        `The display link for ${link?.spaceName ?? 'the space'} was revoked: its tablet stops showing it.`,
      );
      if (fresh?.link.id === id) setFresh(null);
      await qc.invalidateQueries({ queryKey: displayLinksKey });
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (spaceId) create.mutate(spaceId);
  };

  return (
    <section className="displays-admin" aria-labelledby="displays-heading">
      <h2 id="displays-heading">Room displays</h2>
      <p>
        A room display is a tablet at a space's door showing whether it is free, today's sessions, and
        check-in. Each link is a secret: anyone with it sees the display.
      </p>
      <form className="admin-form" onSubmit={submit}>
        <label htmlFor="display-space">Space</label>
        <select
          id="display-space"
          value={spaceId}
          onChange={(e) => setSpaceId(e.target.value)}
          aria-describedby={create.error ? 'display-create-error' : undefined}
        >
          <option value="">Choose a space</option>
          {spaces.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <button type="submit" disabled={!spaceId || create.isPending}>
          Make a display link
        </button>
        {create.error && (
          <p id="display-create-error" className="error-banner" role="alert">
            {errorText(create.error)}
          </p>
        )}
      </form>
      {fresh && (
        <section className="display-made" aria-label={`New display link for ${fresh.link.spaceName}`}>
          <h3>Display link for {fresh.link.spaceName}</h3>
          <p>Open this on the tablet, or point the tablet's camera at the code. It is shown only now.</p>
          <label htmlFor="display-url">Link</label>
          <input id="display-url" readOnly value={fresh.url} onFocus={(e) => e.currentTarget.select()} />
          <QrCode value={fresh.url} alt={`QR code of the display link for ${fresh.link.spaceName}`} />
        </section>
      )}
      <p role="status">{status}</p>
      {revoke.error && (
        <p className="error-banner" role="alert">
          {errorText(revoke.error)}
        </p>
      )}
      <h3>Live links</h3>
      <ListState query={links} count={links.data?.length ?? 0} empty="No space has a display link.">
        {() => (
          <ul className="display-links">
            {(links.data ?? []).map((l) => (
              <li key={l.id}>
                <span>
                  <strong>{l.spaceName}</strong> · made {made(l.createdAt)}
                </span>
                {confirming === l.id ? (
                  <span className="row-actions">
                    <span>Revoke the link for {l.spaceName}?</span>
                    <button type="button" onClick={() => revoke.mutate(l.id)} disabled={revoke.isPending}>
                      Revoke
                    </button>
                    <button type="button" onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button
                    type="button"
                    onClick={() => setConfirming(l.id)}
                    aria-label={`Revoke the link for ${l.spaceName}`}
                  >
                    Revoke…
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </ListState>
    </section>
  );
}
