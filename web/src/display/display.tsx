import { type FormEvent, useEffect, useRef, useState } from 'react';
import { QrCode } from '../qr-code.tsx';
import { formatTime } from '../time.ts';
import './display.css';

/**
 * The room display: a tablet at a space's door, opened at /display/{token} with no login. It shows
 * the space's state from the display stream (SSE), which the browser reopens by itself after a
 * network drop; while it is down the page says since when it has been offline.
 */

interface Session {
  title: string;
  start: string;
  end: string;
  checkedIn: boolean;
}

export interface DisplayState {
  space: { id: string; name: string };
  timeZone: string;
  now: string;
  status: 'free' | 'busy';
  current: Session | null;
  next: Session[];
  freeAt: string | null;
  freeUntil: string | null;
  checkInOpen: boolean;
}

/** "in 25 min", "in 1 h 5 min" from `now` to `at`. */
function until(at: string, now: number): string {
  const minutes = Math.max(0, Math.ceil((new Date(at).getTime() - now) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

export function tokenFromPath(path: string): string {
  return decodeURIComponent(path.replace(/^\/display\//, '').replace(/\/.*$/, ''));
}

export function RoomDisplay({ token }: { token: string }) {
  const [state, setState] = useState<DisplayState | null>(null);
  const [offlineSince, setOfflineSince] = useState<number | null>(null);
  const [gone, setGone] = useState(false);
  // The server's clock minus the tablet's, so "free in" counts on the server's time.
  const skew = useRef(0);
  const [tick, setTick] = useState(() => Date.now());
  // A success outlives the form that made it (the form goes once the room turns busy).
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), 15_000);
    return () => clearTimeout(timer);
  }, [notice]);

  useEffect(() => {
    const source = new EventSource(`/api/v1/display/${encodeURIComponent(token)}/stream`);
    source.addEventListener('state', (e) => {
      const s = JSON.parse((e as MessageEvent<string>).data) as DisplayState;
      skew.current = new Date(s.now).getTime() - Date.now();
      setState(s);
      setOfflineSince(null);
      setTick(Date.now());
    });
    source.addEventListener('end', () => {
      source.close();
      setGone(true);
    });
    source.onerror = () => {
      // The browser retries by itself; a link that no longer exists answers 404 and stops it.
      if (source.readyState === EventSource.CLOSED) {
        void fetch(`/api/v1/display/${encodeURIComponent(token)}`).then(
          (r) => {
            if (r.status === 404) setGone(true);
          },
          () => undefined,
        );
      }
      setOfflineSince((since) => since ?? Date.now());
    };
    const timer = setInterval(() => setTick(Date.now()), 15_000);
    return () => {
      source.close();
      clearInterval(timer);
    };
  }, [token]);

  if (gone)
    return (
      <main className="display display-gone">
        <h1>This display link no longer works</h1>
        <p>Ask an admin for a new one.</p>
      </main>
    );
  if (!state)
    return (
      <main className="display">
        <p role="status" className="display-loading">
          {offlineSince ? 'Cannot reach the server; trying again…' : 'Loading…'}
        </p>
      </main>
    );
  const now = tick + skew.current;
  const zone = state.timeZone;
  const busy = state.status === 'busy';
  return (
    <main className={`display ${busy ? 'is-busy' : 'is-free'}`}>
      <header className="display-head">
        <h1>{state.space.name}</h1>
        <span className="display-clock">{formatTime(new Date(now), zone)}</span>
      </header>
      {offlineSince !== null && (
        <p className="display-offline" role="alert">
          Offline since {formatTime(new Date(offlineSince + skew.current), zone)}: showing the last known
          state
        </p>
      )}
      <p className="display-notice" role="status">
        {notice ?? ''}
      </p>
      <section className="display-band" aria-live="polite">
        <p className="display-status">{busy ? 'Busy' : 'Free'}</p>
        {busy && state.freeAt && (
          <p className="display-when">
            Free at {formatTime(state.freeAt, zone)} (in {until(state.freeAt, now)})
          </p>
        )}
        {!busy && (
          <p className="display-when">
            {state.freeUntil
              ? `Free until ${formatTime(state.freeUntil, zone)} (${until(state.freeUntil, now)})`
              : 'Free for the rest of the day'}
          </p>
        )}
      </section>
      <div className="display-body">
        {state.current && (
          <section className="display-current" aria-label="Now">
            <h2>Now</h2>
            <p className="display-title">{state.current.title}</p>
            <p>
              {formatTime(state.current.start, zone)}–{formatTime(state.current.end, zone)}
              {state.current.checkedIn ? ' · checked in' : ''}
            </p>
          </section>
        )}
        <section className="display-next" aria-label="Later today">
          <h2>Later today</h2>
          {state.next.length === 0 ? (
            <p>Nothing more today</p>
          ) : (
            <ul>
              {state.next.map((s) => (
                <li key={s.start}>
                  <span className="display-time">
                    {formatTime(s.start, zone)}–{formatTime(s.end, zone)}
                  </span>{' '}
                  {s.title}
                </li>
              ))}
            </ul>
          )}
        </section>
        {state.checkInOpen && <CheckInPad token={token} onDone={setNotice} />}
        {state.checkInOpen && (
          <section className="display-scan" aria-labelledby="display-scan-heading">
            <h2 id="display-scan-heading">Or scan to check in with your phone</h2>
            <QrCode
              value={`${window.location.origin}/check-in/${encodeURIComponent(state.space.id)}`}
              alt={`QR code: opens check-in at ${state.space.name} on your phone`}
              size={200}
            />
          </section>
        )}
        {!busy && (!state.freeUntil || new Date(state.freeUntil).getTime() - now >= 30 * 60_000) && (
          <BookNow token={token} onDone={setNotice} />
        )}
      </div>
    </main>
  );
}

function CheckInPad({ token, onDone }: { token: string; onDone: (text: string) => void }) {
  const [code, setCode] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const res = await fetch(`/api/v1/display/${encodeURIComponent(token)}/check-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: code.trim() }),
      });
      const body = (await res.json().catch(() => ({}))) as { detail?: string; session?: Session };
      if (res.ok) {
        setMessage(null);
        onDone(`Checked in: ${body.session?.title ?? ''}`);
      } else if (res.status === 409)
        setMessage({ ok: false, text: 'The room is still in use; try when it frees' });
      else setMessage({ ok: false, text: body.detail ?? 'Check-in failed' });
      setCode('');
    } catch {
      setMessage({ ok: false, text: 'Cannot reach the server; try again' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="display-checkin" onSubmit={(e) => void submit(e)}>
      <h2>
        <label htmlFor="display-code">Check in with the code in your booking</label>
      </h2>
      <div className="display-checkin-row">
        <input
          id="display-code"
          inputMode="numeric"
          autoComplete="off"
          pattern="[0-9]{6}"
          maxLength={6}
          value={code}
          onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
          aria-describedby="display-checkin-message"
        />
        <button type="submit" disabled={busy || code.length !== 6}>
          Check in
        </button>
      </div>
      <p
        id="display-checkin-message"
        role="status"
        className={message?.ok === false ? 'is-error' : undefined}
      >
        {message?.text ?? ''}
      </p>
    </form>
  );
}

function BookNow({ token, onDone }: { token: string; onDone: (text: string) => void }) {
  const [code, setCode] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [sending, setSending] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSending(true);
    try {
      const res = await fetch(`/api/v1/display/${encodeURIComponent(token)}/book`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ memberCode: code.trim() }),
      });
      const body = (await res.json().catch(() => ({}))) as { detail?: string; reason?: string };
      if (res.ok) {
        setMessage(null);
        onDone('Booked for 30 minutes');
      } else setMessage({ ok: false, text: body.reason ?? body.detail ?? 'Booking failed' });
      setCode('');
    } catch {
      setMessage({ ok: false, text: 'Cannot reach the server; try again' });
    } finally {
      setSending(false);
    }
  };
  return (
    <form className="display-checkin" onSubmit={(e) => void submit(e)}>
      <h2>
        <label htmlFor="display-member-code">Book now for 30 minutes with your member code</label>
      </h2>
      <div className="display-checkin-row">
        <input
          id="display-member-code"
          inputMode="numeric"
          autoComplete="off"
          maxLength={8}
          value={code}
          onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
          aria-describedby="display-book-message"
        />
        <button type="submit" disabled={sending || code.length !== 8}>
          Book now
        </button>
      </div>
      <p id="display-book-message" role="status" className={message?.ok === false ? 'is-error' : undefined}>
        {message?.text ?? ''}
      </p>
    </form>
  );
}
