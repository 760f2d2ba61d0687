import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { RoomDisplay, tokenFromPath } from './display/display.tsx';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* A room display (no login) is a page of its own; everything else is the app. */}
    {window.location.pathname.startsWith('/display/') ? (
      <RoomDisplay token={tokenFromPath(window.location.pathname)} />
    ) : (
      <App />
    )}
  </StrictMode>,
);
