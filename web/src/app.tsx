import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { Admin } from './admin.tsx';
import { ApiError, api, apiPaths, type Me, type Site, type Space } from './api.ts';
import { Login } from './login.tsx';
import { MySessions } from './my-sessions.tsx';
import { NotificationsBell } from './notifications.tsx';
import { navigate, useLocation } from './router.ts';
import { Schedule } from './schedule.tsx';
import { type Session, SessionContext, type Squad, useSession } from './session.tsx';

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out' }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; me: Me; site: Site; spaces: Space[]; squads: Squad[]; paths: Set<string> };

async function loadSession() {
  const me = await api<Me>('GET', '/me');
  // Spaces and squads lists may be missing on an older server; the app still shows what it can.
  const [site, spaces, squads, paths] = await Promise.all([
    api<Site>('GET', '/site'),
    api<{ items: Space[] }>('GET', '/spaces').then(
      (r) => r.items,
      () => [] as Space[],
    ),
    api<{ items: Squad[] }>('GET', '/squads').then(
      (r) => r.items,
      () => [] as Squad[],
    ),
    apiPaths(),
  ]);
  return { me, site, spaces, squads, paths };
}

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  const load = useCallback(async () => {
    try {
      setState({ kind: 'ready', ...(await loadSession()) });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setState({ kind: 'signed-out' });
      else setState({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const session = useMemo<Session | null>(() => {
    if (state.kind !== 'ready') return null;
    return {
      me: state.me,
      site: state.site,
      spaces: state.spaces,
      squads: state.squads,
      paths: state.paths,
      reload: load,
      async signOut() {
        await api('POST', '/auth/logout').catch(() => undefined);
        setState({ kind: 'signed-out' });
        navigate('/');
      },
    };
  }, [state, load]);

  if (state.kind === 'loading')
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (state.kind === 'signed-out') return <Login onSignedIn={load} />;
  if (state.kind === 'failed' || !session)
    return (
      <main className="page">
        <h1>Shipshape</h1>
        <p role="alert">The app could not start: {state.kind === 'failed' ? state.message : ''}</p>
        <button type="button" onClick={() => void load()}>
          Try again
        </button>
      </main>
    );
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

function NavLink({ to, children, current }: { to: string; children: string; current: boolean }) {
  return (
    <a
      href={to}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

function Shell() {
  const { path } = useLocation();
  const session = useSession();
  const { me, site } = session;
  let page: ReactNode;
  if (path === '/my') page = <MySessions />;
  else if (path.startsWith('/admin')) page = <Admin />;
  else page = <Schedule />;

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">
          Shipshape <span className="site-name">· {site.name}</span>
        </span>
        <nav aria-label="Main">
          <NavLink to="/" current={path === '/'}>
            Schedule
          </NavLink>
          <NavLink to="/my" current={path === '/my'}>
            My sessions
          </NavLink>
          {me.role === 'admin' && (
            <NavLink to="/admin/spaces" current={path.startsWith('/admin')}>
              Admin
            </NavLink>
          )}
        </nav>
        <div className="top-right">
          <NotificationsBell />
          <span className="who" title={me.email}>
            {me.displayName}
          </span>
          <button type="button" className="link-button" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}
