import { Component, type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { Admin } from './admin.tsx';
import { ApiError, api, apiPaths, type Me, type Site, type Space, takePrefetched } from './api.ts';
import { ChangePassword } from './change-password.tsx';
import { Login } from './login.tsx';
import { MySessions } from './my-sessions.tsx';
import { NotificationsBell } from './notifications.tsx';
import { FindPartner } from './partners.tsx';
import { Reports } from './reports.tsx';
import { navigate, useLocation } from './router.ts';
import { Schedule } from './schedule.tsx';
import { type Session, SessionContext, type Squad, useSession } from './session.tsx';
import { Settings } from './settings.tsx';

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out' }
  | { kind: 'must-change-password' }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; me: Me; site: Site; spaces: Space[]; squads: Squad[] };

async function loadSession() {
  // All at once: a signed-out caller gets 401 from /me and the rest is ignored.
  const spacesP = api<{ items: Space[] }>('GET', '/spaces', undefined, {}, takePrefetched('spaces')).then(
    (r) => r.items,
    () => [] as Space[],
  );
  const squadsP = api<{ items: Squad[] }>('GET', '/squads', undefined, {}, takePrefetched('squads')).then(
    (r) => r.items,
    () => [] as Squad[],
  );
  const siteP = api<Site>('GET', '/site', undefined, {}, takePrefetched('site'));
  siteP.catch(() => undefined);
  const me = await api<Me>('GET', '/me', undefined, {}, takePrefetched('me'));
  const [site, spaces, squads] = await Promise.all([siteP, spacesP, squadsP]);
  return { me, site, spaces, squads };
}

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  // The API's paths come from its OpenAPI document, off the critical path of the first paint.
  const [paths, setPaths] = useState<Set<string>>(() => new Set());
  useEffect(() => {
    void apiPaths().then(setPaths);
  }, []);

  const load = useCallback(async () => {
    try {
      setState({ kind: 'ready', ...(await loadSession()) });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setState({ kind: 'signed-out' });
      else if (err instanceof ApiError && err.problem.code === 'password-change-required')
        setState({ kind: 'must-change-password' });
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
      paths,
      reload: load,
      async signOut() {
        await api('POST', '/auth/logout').catch(() => undefined);
        setState({ kind: 'signed-out' });
        navigate('/');
      },
    };
  }, [state, load, paths]);

  if (state.kind === 'loading')
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (state.kind === 'signed-out') return <Login onSignedIn={load} />;
  if (state.kind === 'must-change-password')
    return (
      <main className="login" id="main">
        <ChangePassword forced onDone={() => void load()} />
      </main>
    );
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
      <Boundary>
        <Shell />
      </Boundary>
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
  else if (path === '/settings') page = <Settings />;
  else if (path === '/partners') page = <FindPartner />;
  else if (path === '/reports') page = <Reports />;
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
          {session.paths.has('/api/v1/partners') && (
            <NavLink to="/partners" current={path === '/partners'}>
              Find a partner
            </NavLink>
          )}
          <NavLink to="/reports" current={path === '/reports'}>
            Reports
          </NavLink>
          {me.role === 'admin' && (
            <NavLink to="/admin/spaces" current={path.startsWith('/admin')}>
              Admin
            </NavLink>
          )}
          <NavLink to="/settings" current={path === '/settings'}>
            Settings
          </NavLink>
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

/** A screen that fails to render says so instead of leaving a blank page. */
class Boundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <main className="page">
        <h1>Something went wrong</h1>
        <p role="alert">{this.state.error.message}</p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </main>
    );
  }
}
