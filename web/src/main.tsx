import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { queryClient } from './queries.ts';
import './styles.css';

// The room display is a page of its own, loaded only at /display/…: the app's first page stays small.
const RoomDisplay = lazy(() =>
  import('./display/display.tsx').then((m) => ({
    default: () => <m.RoomDisplay token={m.tokenFromPath(window.location.pathname)} />,
  })),
);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* A room display (no login) is a page of its own; everything else is the app. */}
    {window.location.pathname.startsWith('/display/') ? (
      <Suspense fallback={null}>
        <RoomDisplay />
      </Suspense>
    ) : (
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    )}
  </StrictMode>,
);
