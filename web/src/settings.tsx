import { type FormEvent, useEffect, useState } from 'react';
import { client, errorText, must } from './api.ts';
import { ChangePassword } from './change-password.tsx';
import { CalendarFeeds } from './feeds.tsx';

type Preferences = Record<string, boolean>;

/** Plain words for each kind of notice the server sends; a kind it adds later shows by its name. */
const kindLabels: Record<string, { label: string; hint: string }> = {
  'adjacent-booking': {
    label: 'Someone books right before or after my session',
    hint: 'So you know who is coming in or waiting to go out.',
  },
  'heads-up': {
    label: 'A reminder shortly before my session ends, when the next group is due',
    hint: '',
  },
  'next-group-waiting': {
    label: 'The next group is waiting for my space',
    hint: 'Sent when your session runs up against the next one.',
  },
  'booking-moved': { label: 'A session I am in moves to another space or time', hint: '' },
  'booking-released': {
    label: 'A session I am in is released because nobody checked in',
    hint: '',
  },
  'booking-cancelled': { label: 'A session I am in is cancelled', hint: '' },
  'added-to-series': { label: 'I am added to a repeating series', hint: '' },
  'space-free': {
    label: 'The space I am waiting for is free',
    hint: 'Sent when the session in the way moves out.',
  },
};

/** The member's own settings: which kinds of notice they receive. */
export function Settings() {
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  const [saved, setSaved] = useState<Preferences | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Which kinds also come by email, and whether this server sends email at all.
  const [mail, setMail] = useState<Preferences | null>(null);
  const [savedMail, setSavedMail] = useState<Preferences | null>(null);
  const [mailOn, setMailOn] = useState(false);

  useEffect(() => {
    Promise.all([
      must(client.GET('/api/v1/notifications/preferences')),
      must(client.GET('/api/v1/email/preferences')),
    ]).then(
      ([p, m]) => {
        setPrefs(p);
        setSaved(p);
        setMail(m.kinds as Preferences);
        setSavedMail(m.kinds as Preferences);
        setMailOn(m.available);
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!prefs) return;
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const p = await must(client.PUT('/api/v1/notifications/preferences', { body: prefs }));
      setPrefs(p);
      setSaved(p);
      if (mail) {
        const m = await must(client.PUT('/api/v1/email/preferences', { body: { kinds: mail } }));
        setMail(m.kinds as Preferences);
        setSavedMail(m.kinds as Preferences);
      }
      setStatus('Saved.');
    } catch (err) {
      // What was ticked stays ticked, so the member can try again.
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const changed =
    (!!prefs && !!saved && Object.keys(prefs).some((k) => prefs[k] !== saved[k])) ||
    (!!mail && !!savedMail && Object.keys(mail).some((k) => mail[k] !== savedMail[k]));

  return (
    <div className="page">
      <h1>Settings</h1>
      <ChangePassword />
      <CalendarFeeds />
      {
        <form className="card admin-form" onSubmit={(e) => void submit(e)} aria-labelledby="notice-prefs">
          <h2 id="notice-prefs">Notifications</h2>
          {error && (
            <p className="error-banner" role="alert">
              {error}
            </p>
          )}
          {!prefs ? (
            !error && <p className="loading">Loading…</p>
          ) : (
            <fieldset>
              <legend>Tell me when…</legend>
              <p className="muted small" id="email-state">
                {mailOn
                  ? 'Notices always appear here in the app; tick "also by email" to get a kind in your mailbox too.'
                  : 'Email is not set up on this server, so notices appear only here in the app. An administrator can turn it on (SHIPSHAPE_SMTP_URL).'}
              </p>
              <ul className="pref-list">
                {Object.keys(prefs).map((kind) => {
                  const words = kindLabels[kind] ?? { label: kind.replaceAll('-', ' '), hint: '' };
                  const id = `pref-${kind}`;
                  return (
                    <li key={kind}>
                      <input
                        id={id}
                        type="checkbox"
                        checked={prefs[kind] ?? true}
                        aria-describedby={words.hint ? `${id}-hint` : undefined}
                        onChange={(e) => setPrefs({ ...prefs, [kind]: e.target.checked })}
                      />
                      <label htmlFor={id}>{words.label}</label>
                      {words.hint && (
                        <p id={`${id}-hint`} className="muted small">
                          {words.hint}
                        </p>
                      )}
                      {mail && kind in mail && (
                        <p className="email-choice">
                          <input
                            id={`${id}-email`}
                            type="checkbox"
                            checked={mail[kind] ?? false}
                            disabled={!mailOn}
                            aria-label={`${words.label}: also by email`}
                            aria-describedby="email-state"
                            onChange={(e) => setMail({ ...mail, [kind]: e.target.checked })}
                          />
                          <label htmlFor={`${id}-email`}>Also by email</label>
                        </p>
                      )}
                    </li>
                  );
                })}
              </ul>
            </fieldset>
          )}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy || !prefs || !changed}>
              Save settings
            </button>
          </div>
          <p role="status" className="notice">
            {status}
          </p>
        </form>
      }
    </div>
  );
}
