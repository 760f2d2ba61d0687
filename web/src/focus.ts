import { useEffect } from 'react';

/**
 * Keyboard users keep their place: what had the focus when a dialog opened (the booking block, the
 * button) gets it back when the dialog closes. Captured when the component mounts and restored when
 * it unmounts, so a dialog that swaps its content (details → edit form → details) restores once.
 */
export function useRestoreFocus(): void {
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    return () => {
      if (opener && opener !== document.body)
        window.requestAnimationFrame(() => {
          if (opener.isConnected) opener.focus();
        });
    };
  }, []);
}
