import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { type Answer, client, errorText, must } from './api.ts';
import { ListState } from './list-state.tsx';
import { feedsQuery, keys } from './queries.ts';
import { useSession } from './session.tsx';

type Feed = Answer<'/api/v1/feeds', 'get'>['items'][number];
type Made = Answer<'/api/v1/feeds', 'post'>;
type Scope = 'member' | 'space' | 'squad';

/** An instant as the site's clock shows it. */
const when = (iso: string | null, zone: string) =>
  iso
    ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone })
    : 'never';

/** The secret address of a feed, shown once after it is made or replaced: copy it or subscribe. */
function NewAddress({ made, what, onDone }: { made: Made; what: string; onDone: () => void }) {
  const box = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState('');
  useEffect(() => {
    box.current?.focus();
    box.current?.select();
  }, []);
  async function copy() {
    try {
      await navigator.clipboard.writeText(made.url);
      setCopied('Copied.');
    } catch {
      box.current?.select();
      setCopied('Select the address and copy it (the browser did not allow copying).');
    }
  }
  return (
    <section className="card feed-secret" aria-labelledby="feed-secret-title">
      <h3 id="feed-secret-title">Address of {what}</h3>
      <p>
        This address is shown only now. Anyone who has it can read this calendar, so keep it to yourself. If
        it leaks, replace it.
      </p>
      <div className="field">
        <label htmlFor="feed-url">Calendar address</label>
        <input id="feed-url" ref={box} readOnly value={made.url} onFocus={(e) => e.target.select()} />
      </div>
      <div className="actions wrap">
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy address
        </button>
        <a className="button" href={made.webcal}>
          Open in my calendar app
        </a>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      <p role="status" className="notice">
        {copied}
      </p>
    </section>
  );
}

/** Settings → Calendar feeds: secret, revocable iCalendar addresses of my sessions, a space or a squad. */
export function CalendarFeeds() {
  const { me, site, spaces, squads } = useSession();
  const zone = site.timeZone;
  const qc = useQueryClient();
  const feeds = useQuery(feedsQuery);
  // Members may subscribe to squads they are in or lead; admins to any squad (as the API allows).
  const mySquads = me.role === 'admin' ? squads : squads.filter((s) => me.squads.some((m) => m.id === s.id));
  const [scope, setScope] = useState<Scope>('member');
  const [subjectId, setSubjectId] = useState('');
  const [made, setMade] = useState<{ made: Made; what: string } | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const createButton = useRef<HTMLButtonElement>(null);

  const describe = (f: Pick<Feed, 'scope' | 'subjectId'>) => {
    if (f.scope === 'member') return 'my sessions';
    if (f.scope === 'space') return `space ${spaces.find((s) => s.id === f.subjectId)?.name ?? '(removed)'}`;
    return `squad ${squads.find((s) => s.id === f.subjectId)?.name ?? '(removed)'}`;
  };
  const reload = () => qc.invalidateQueries({ queryKey: keys.feeds });

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setStatus('');
    if (scope !== 'member' && !subjectId) {
      setError(scope === 'space' ? 'Choose the space to follow.' : 'Choose the squad to follow.');
      return;
    }
    setBusy(true);
    try {
      const body = scope === 'member' ? { scope } : { scope, subjectId };
      const m = await must(client.POST('/api/v1/feeds', { body }));
      setMade({ made: m, what: describe(m.feed) });
      await reload();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  async function rotate(f: Feed) {
    const what = describe(f);
    if (!window.confirm(`Replace the address of ${what}? The old address stops working at once.`)) return;
    setError(null);
    setStatus('');
    try {
      const m = await must(client.POST('/api/v1/feeds/{id}/rotate', { params: { path: { id: f.id } } }));
      setMade({ made: m, what });
      await reload();
    } catch (err) {
      setError(errorText(err));
    }
  }

  async function revoke(f: Feed) {
    const what = describe(f);
    if (!window.confirm(`Stop the feed of ${what}? Calendars subscribed to it stop getting updates.`)) return;
    setError(null);
    try {
      await must(client.DELETE('/api/v1/feeds/{id}', { params: { path: { id: f.id } } }));
      setStatus(`The feed of ${what} is stopped; its address no longer works.`);
      setMade(null);
      await reload();
      createButton.current?.focus();
    } catch (err) {
      setError(errorText(err));
    }
  }

  const items = feeds.data?.items ?? [];
  return (
    <section className="card admin-form" aria-labelledby="feeds-title">
      <h2 id="feeds-title">Calendar feeds</h2>
      <p className="muted small">
        Follow sessions in your own calendar app (Outlook, Google, Apple): each feed has a secret address that
        the app reads every so often.
      </p>
      {error && (
        <p className="error-banner" role="alert">
          {error}
        </p>
      )}
      {made && (
        <NewAddress
          made={made.made}
          what={made.what}
          onDone={() => {
            setMade(null);
            createButton.current?.focus();
          }}
        />
      )}
      <form onSubmit={(e) => void create(e)}>
        <div className="field">
          <label htmlFor="feed-scope">Feed of</label>
          <select
            id="feed-scope"
            value={scope}
            onChange={(e) => {
              setScope(e.target.value as Scope);
              setSubjectId('');
            }}
          >
            <option value="member">My sessions</option>
            <option value="space">A space</option>
            {mySquads.length > 0 && <option value="squad">A squad</option>}
          </select>
        </div>
        {scope !== 'member' && (
          <div className="field">
            <label htmlFor="feed-subject">{scope === 'space' ? 'Space' : 'Squad'}</label>
            <select id="feed-subject" value={subjectId} onChange={(e) => setSubjectId(e.target.value)}>
              <option value="">Choose…</option>
              {(scope === 'space' ? spaces : mySquads).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="actions">
          <button ref={createButton} type="submit" className="primary" disabled={busy}>
            Make a feed address
          </button>
        </div>
      </form>
      <p role="status" className="notice">
        {status}
      </p>
      <h3>My feeds</h3>
      <ListState query={feeds} count={items.length} empty="No feeds yet.">
        {() => (
          <ul className="feed-list">
            {items.map((f) => (
              <li key={f.id}>
                <div>
                  <strong>{describe(f)[0]!.toUpperCase() + describe(f).slice(1)}</strong>
                  <p className="muted small">
                    Made {when(f.createdAt, zone)} · last read by a calendar {when(f.lastUsedAt, zone)}
                  </p>
                </div>
                <div className="actions wrap">
                  <button
                    type="button"
                    aria-label={`Replace address of ${describe(f)}`}
                    onClick={() => void rotate(f)}
                  >
                    Replace address
                  </button>
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Stop feed of ${describe(f)}`}
                    onClick={() => void revoke(f)}
                  >
                    Stop feed
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </ListState>
    </section>
  );
}
