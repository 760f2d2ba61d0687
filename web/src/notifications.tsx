import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { client, must, type Notice } from './api.ts';
import { answerProposal } from './proposals.ts';
import { keys, notificationsQuery, useLiveUpdates } from './queries.ts';
import { navigate } from './router.ts';
import { useSession } from './session.tsx';
import { formatDate, formatTime, isoDate, localParts } from './time.ts';

/** A string field of a notice's data, when it has one. */
const dataText = (n: Notice, key: string): string | undefined => {
  const v = (n.data as Record<string, unknown> | null | undefined)?.[key];
  return typeof v === 'string' ? v : undefined;
};

/** The bell: unread count, the feed in a panel, and live delivery over Server-Sent Events. */
export function NotificationsBell() {
  const { site } = useSession();
  const qc = useQueryClient();
  const query = useQuery(notificationsQuery);
  const feed = query.data?.items ?? [];
  const unread = query.data?.unreadCount ?? 0;
  const [open, setOpen] = useState(false);
  const [live, setLive] = useState<string>('');
  const panel = useRef<HTMLElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  // Live notices: the stream says something happened; the feed and the bookings are read again.
  useLiveUpdates(useCallback((text: string) => setLive(`New notice: ${text}`), []));

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

  async function markRead(ids: string[] | 'all') {
    try {
      await must(
        client.POST('/api/v1/notifications/read', { body: ids === 'all' ? { all: true } : { ids } }),
      );
    } catch (err) {
      setLive(`Could not mark as read: ${err instanceof Error ? err.message : String(err)}`);
    }
    await qc.invalidateQueries({ queryKey: keys.notifications });
  }

  async function answer(n: Notice, accept: boolean) {
    const id = dataText(n, 'proposalId') ?? '';
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
    if (dataText(n, 'proposalId') && !n.bookingId) {
      navigate('/partners');
      return;
    }
    const bookingId = n.bookingId;
    if (!bookingId) return;
    const start = dataText(n, 'start');
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
          {query.error ? (
            <p role="alert">Notifications could not be loaded: {query.error.message}</p>
          ) : feed.length === 0 ? (
            <p className="muted">Nothing yet.</p>
          ) : (
            <ul>
              {feed.map((n) => (
                <li key={n.id} className={!n.read ? 'unread' : undefined}>
                  <button type="button" onClick={() => openNotice(n)}>
                    <span className="notice-title">{n.title}</span>
                    {n.body && <span className="notice-body">{n.body}</span>}
                    <span className="muted small">
                      {n.createdAt
                        ? `${formatDate(localParts(n.createdAt, site.timeZone))}, ${formatTime(n.createdAt, site.timeZone)}`
                        : ''}
                    </span>
                  </button>
                  {Array.isArray((n.data as Record<string, unknown> | null | undefined)?.actions) &&
                    !n.read && (
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
