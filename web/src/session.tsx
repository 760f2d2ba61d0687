import { createContext, useContext } from 'react';
import type { Me, Site, Space } from './api.ts';

export interface Squad {
  id: string;
  name: string;
  [key: string]: unknown;
}

/** What every screen needs: who is signed in, the site, its spaces and squads, and the API's paths. */
export interface Session {
  me: Me;
  site: Site;
  spaces: Space[];
  squads: Squad[];
  paths: Set<string>;
  reload(): Promise<void>;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in app');
  return s;
}

/** Fired after any change to bookings, so every view that shows them reloads. */
export const bookingsChanged = 'shipshape:bookings-changed';

export function announceBookingsChanged(): void {
  window.dispatchEvent(new Event(bookingsChanged));
}
