import { useQueries, useQueryClient } from '@tanstack/react-query';
import { Component, type ReactNode, Suspense, useMemo } from 'react';
import { ApiError, client } from './api.ts';
import { ChangePassword } from './change-password.tsx';
import { Admin, CheckInHere, DoorPage, FindPartner, MySessions, Reports, Settings } from './lazy.ts';
import { Login } from './login.tsx';
import { NotificationsBell } from './notifications.tsx';
import { meQuery, siteQuery, spacesQuery, squadsQuery } from './queries.ts';
import { navigate, useLocation } from './router.ts';
import { Schedule } from './schedule.tsx';
import { type Session, SessionContext, useSession } from './session.tsx';

export function App() {
  const qc = useQueryClient();
  // All at once: a signed-out caller gets 401 from /me and the rest is not shown.
  const [me, site, spaces, squads] = useQueries({ queries: [meQuery, siteQuery, spacesQuery, squadsQuery] });
  const reload = async () => {
    await qc.resetQueries();
  };

  const session = useMemo<Session | null>(() => {
    if (!me.data || !site.data || !spaces.data || !squads.data) return null;
    return {
      me: me.data,
      site: site.data,
      spaces: spaces.data,
      squads: squads.data,
      async signOut() {
        await client.POST('/api/v1/auth/logout').catch(() => undefined);
        qc.clear();
        navigate('/');
        await qc.resetQueries();
      },
    };
  }, [me.data, site.data, spaces.data, squads.data, qc]);

  const errors = [me, site, spaces, squads].map((q) => q.error);
  if (me.error instanceof ApiError && me.error.status === 401) return <Login onSignedIn={reload} />;
  // After an admin reset the password, the member sets a new one before anything else.
  if (
    me.data?.mustChangePassword ||
    errors.some((e) => e instanceof ApiError && e.problem.code === 'password-change-required')
  )
    return (
      <main className="login" id="main">
        <ChangePassword forced onDone={() => void reload()} />
      </main>
    );
  const failed = errors.find((e) => e);
  if (failed)
    return (
      <main className="page">
        <h1>Shipshape</h1>
        <p role="alert">The app could not start: {failed.message}</p>
        <button type="button" onClick={() => void reload()}>
          Try again
        </button>
      </main>
    );
  if (!session)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
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
  else if (path.startsWith('/doors/')) page = <DoorPage key={path} id={path.slice('/doors/'.length)} />;
  else if (path.startsWith('/check-in/')) page = <CheckInHere spaceId={decodeURIComponent(path.slice(10))} />;
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
          <NavLink to="/partners" current={path === '/partners'}>
            Find a partner
          </NavLink>
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
        <Suspense fallback={<Loading />}>{page}</Suspense>
      </main>
    </>
  );
}

function Loading() {
  return (
    <p className="loading" role="status">
      Loading…
    </p>
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
