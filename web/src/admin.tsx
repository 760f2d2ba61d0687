/** Admin: the tab shell; each section lives in its own file (admin-spaces, admin-members, ...). */

import { DisplaysAdmin } from './admin-displays.tsx';
import { DoorsAdmin } from './admin-doors.tsx';
import { MembersAdmin } from './admin-members.tsx';
import { QuotasAdmin } from './admin-quotas.tsx';
import { SiteSettings } from './admin-site.tsx';
import { SpacesAdmin } from './admin-spaces.tsx';
import { SquadsAdmin } from './admin-squads.tsx';
import { WebhooksAdmin } from './admin-webhooks.tsx';
import { navigate, useLocation } from './router.ts';
import { useSession } from './session.tsx';

const tabs = [
  ['spaces', 'Spaces'],
  ['members', 'Members'],
  ['squads', 'Squads'],
  ['site', 'Site'],
  ['doors', 'Doors'],
  ['webhooks', 'Webhooks'],
  ['displays', 'Room displays'],
  ['quotas', 'Quotas'],
] as const;

export function Admin() {
  const { me } = useSession();
  const { path } = useLocation();
  const tab = tabs.find(([t]) => path === `/admin/${t}`)?.[0] ?? 'spaces';
  if (me.role !== 'admin')
    return (
      <div className="page">
        <h1>Admin</h1>
        <p>Only admins manage spaces, members and squads.</p>
      </div>
    );
  return (
    <div className="page">
      <h1>Admin</h1>
      <nav aria-label="Admin sections" className="tabs">
        {tabs.map(([t, label]) => (
          <a
            key={t}
            href={`/admin/${t}`}
            aria-current={t === tab ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate(`/admin/${t}`);
            }}
          >
            {label}
          </a>
        ))}
      </nav>
      {tab === 'spaces' && <SpacesAdmin />}
      {tab === 'members' && <MembersAdmin />}
      {tab === 'squads' && <SquadsAdmin />}
      {tab === 'site' && <SiteSettings />}
      {tab === 'doors' && <DoorsAdmin />}
      {tab === 'webhooks' && <WebhooksAdmin />}
      {tab === 'displays' && <DisplaysAdmin />}
      {tab === 'quotas' && <QuotasAdmin />}
    </div>
  );
}
