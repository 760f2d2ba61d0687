import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api.ts';
import { answerProposal } from './partners.tsx';
import { navigate } from './router.ts';
import { announceBookingsChanged, useSession } from './session.tsx';
import { formatDate, formatTime, isoDate, localParts } from './time.ts';

/** A notice as the feed answers it; the fields beyond id vary by kind, so each is optional. */
export interface Notice {
  id: string;
  kind?: string;
  type?: string;
  title?: string;
  message?: string;
  text?: string;
  body?: string;
  bookingId?: string | null;
  booking?: { id: string; start?: string; end?: string; title?: string } | null;
  data?: { start?: string; end?: string; [key: string]: unknown };
  readAt?: string | null;
  read?: boolean;
  createdAt?: string;
  [key: string]: unknown;
}

interface Feed {
  items: Notice[];
  unread?: number;
  unreadCount?: number;
}

const isUnread = (n: Notice) => (n.read === undefined ? !n.readAt : !n.read);
const textOf = (n: Notice) =>
  n.message ?? n.text ?? n.title ?? (typeof n.body === 'string' ? n.body : '') ?? n.kind ?? '';

/** The bell: unread count, the feed in a panel, and live delivery over Server-Sent Events. */
export function NotificationsBell() {
  const { site, paths } = useSession();
  const available = paths.has('/api/v1/notifications');
  const [feed, setFeed] = useState<Notice[]>([]);
  const [unread, setUnread] = useState(0);
  const [open, setOpen] = useState(false);
  const [live, setLive] = useState<string>('');
  const panel = useRef<HTMLElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  const load = useCallback(async () => {
    if (!available) return;
    const r = await api<Feed>('GET', '/notifications?limit=30').catch(() => null);
    if (!r) return;
    setFeed(r.items);
    setUnread(r.unread ?? r.unreadCount ?? r.items.filter(isUnread).length);
  }, [available]);

  useEffect(() => {
    void load();
  }, [load]);

  // Live notices: the stream says something happened; the feed is re-read so it stays the one truth.
  useEffect(() => {
    if (!paths.has('/api/v1/notifications/stream')) return;
    const source = new EventSource('/api/v1/notifications/stream', { withCredentials: true });
    const onNotice = (ev: MessageEvent) => {
      let text = '';
      try {
        const data = JSON.parse(ev.data as string) as Notice;
        text = textOf(data);
      } catch {
        text = '';
      }
      if (text) setLive(`New notice: ${text}`);
      void load();
      announceBookingsChanged();
    };
    source.addEventListener('message', onNotice);
    source.addEventListener('notification', onNotice as EventListener);
    // The server ended the stream for good (signed out elsewhere, or too many open): do not reconnect.
    source.addEventListener('end', () => source.close());
    return () => source.close();
  }, [paths, load]);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onClick = (e: MouseEvent) => {
      if (!panel.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node))
        setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  if (!available) return null;

  async function markRead(ids: string[] | 'all') {
    await api('POST', '/notifications/read', ids === 'all' ? { all: true } : { ids }).catch(() => undefined);
    await load();
  }

  async function answer(n: Notice, accept: boolean) {
    const id = String(n.data?.proposalId ?? '');
    try {
      setLive(await answerProposal(id, accept));
    } catch (err) {
      setLive(err instanceof Error ? err.message : String(err));
    }
    await markRead([n.id]);
  }

  function openNotice(n: Notice) {
    void markRead([n.id]);
    setOpen(false);
    if (n.data?.proposalId && !n.bookingId) {
      navigate('/partners');
      return;
    }
    const bookingId = n.bookingId ?? n.booking?.id;
    if (!bookingId) return;
    const start = n.booking?.start ?? n.data?.start;
    const when = start ? `&date=${isoDate(localParts(start, site.timeZone))}` : '';
    navigate(`/?booking=${bookingId}${when}`);
  }

  return (
    <div className="bell">
      <button
        ref={button}
        type="button"
        className="bell-button"
        aria-expanded={open}
        aria-controls="notice-panel"
        aria-label={`Notifications, ${unread} unread`}
        onClick={() => setOpen(!open)}
      >
        <svg
          aria-hidden="true"
          width="20"
          height="20"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
        >
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {unread > 0 && (
          <span className="badge" data-testid="unread-count">
            {unread}
          </span>
        )}
      </button>
      <p className="visually-hidden" role="status" aria-live="polite">
        {live}
      </p>
      {open && (
        <section id="notice-panel" ref={panel} className="notice-panel" aria-label="Notifications">
          <div className="panel-head">
            <h2>Notifications</h2>
            {unread > 0 && (
              <button type="button" className="link-button" onClick={() => void markRead('all')}>
                Mark all read
              </button>
            )}
          </div>
          {feed.length === 0 ? (
            <p className="muted">Nothing yet.</p>
          ) : (
            <ul>
              {feed.map((n) => (
                <li key={n.id} className={isUnread(n) ? 'unread' : undefined}>
                  <button type="button" onClick={() => openNotice(n)}>
                    <span className="notice-title">{n.title ?? textOf(n)}</span>
                    {(n.body ?? n.message) && <span className="notice-body">{n.body ?? n.message}</span>}
                    <span className="muted small">
                      {n.createdAt
                        ? `${formatDate(localParts(n.createdAt, site.timeZone))}, ${formatTime(n.createdAt, site.timeZone)}`
                        : ''}
                    </span>
                  </button>
                  {Array.isArray(n.data?.actions) && isUnread(n) && (
                    <span className="row-actions">
                      <button type="button" className="primary" onClick={() => void answer(n, true)}>
                        Accept
                      </button>
                      <button type="button" onClick={() => void answer(n, false)}>
                        Decline
                      </button>
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
