import { createContext, useContext } from 'react';
import type { Me, Site, Space, Squad } from './api.ts';

/** What every screen needs: who is signed in, the site, its spaces and squads. */
export interface Session {
  me: Me;
  site: Site;
  spaces: Space[];
  squads: Squad[];
  signOut(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in app');
  return s;
}
