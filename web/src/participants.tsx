import { useEffect, useId, useRef, useState } from 'react';
import { client, must } from './api.ts';
import { useSession } from './session.tsx';

export interface Chosen {
  kind: 'member' | 'squad';
  id: string;
  name: string;
}

/** Members and squads chosen by typing part of a name; a combobox with a listbox of matches. */
export function ParticipantsPicker({
  value,
  onChange,
  error,
  id,
  label = 'Participants',
  membersOnly = false,
  includeSelf = false,
}: {
  value: Chosen[];
  onChange: (v: Chosen[]) => void;
  error?: string | undefined;
  id: string;
  /** The visible label; the admin's squad form picks "Members" and "Leaders" with it. */
  label?: string;
  membersOnly?: boolean;
  /** The booking form leaves the caller out (they are the organizer); a squad may include them. */
  includeSelf?: boolean;
}) {
  const { squads, me } = useSession();
  const [text, setText] = useState('');
  const [options, setOptions] = useState<Chosen[]>([]);
  const [active, setActive] = useState(0);
  const listId = useId();
  const errorId = `${id}-error`;
  const seq = useRef(0);
  const [searchError, setSearchError] = useState<string | null>(null);

  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setOptions([]);
      return;
    }
    const mine = ++seq.current;
    const t = window.setTimeout(async () => {
      let members: { id: string; displayName: string }[] = [];
      try {
        members = (await must(client.GET('/api/v1/members', { params: { query: { q, limit: 8 } } }))).items;
        setSearchError(null);
      } catch (err) {
        if (mine === seq.current) setSearchError(err instanceof Error ? err.message : String(err));
      }
      if (mine !== seq.current) return;
      const lower = q.toLowerCase();
      const taken = new Set(value.map((v) => `${v.kind}:${v.id}`));
      const found: Chosen[] = [
        ...(membersOnly ? [] : squads)
          .filter((s) => s.name.toLowerCase().includes(lower))
          .map((s) => ({ kind: 'squad' as const, id: s.id, name: s.name })),
        ...members
          .filter((m) => includeSelf || m.id !== me.id)
          .map((m) => ({ kind: 'member' as const, id: m.id, name: m.displayName })),
      ].filter((o) => !taken.has(`${o.kind}:${o.id}`));
      setOptions(found);
      setActive(0);
    }, 150);
    return () => window.clearTimeout(t);
  }, [text, squads, value, me.id, membersOnly, includeSelf]);

  const add = (o: Chosen) => {
    onChange([...value, o]);
    setText('');
    setOptions([]);
  };

  const open = options.length > 0;
  return (
    <div className="participants">
      <label htmlFor={id}>{label}</label>
      {value.length > 0 && (
        <ul className="chips" aria-label={`Chosen ${label.toLowerCase()}`}>
          {value.map((v) => (
            <li key={`${v.kind}:${v.id}`} className={`chip chip-${v.kind}`}>
              {v.name}
              {v.kind === 'squad' && <span className="muted"> (squad)</span>}
              <button
                type="button"
                aria-label={`Remove ${v.name}`}
                onClick={() => onChange(value.filter((x) => x !== v))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="combo">
        <input
          id={id}
          type="text"
          role="combobox"
          autoComplete="off"
          placeholder={membersOnly ? 'Type a name' : 'Type a name or squad'}
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={open ? `${listId}-${active}` : undefined}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (!open) return;
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setActive((a) => Math.min(a + 1, options.length - 1));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => Math.max(a - 1, 0));
            } else if (e.key === 'Enter') {
              e.preventDefault();
              const o = options[active];
              if (o) add(o);
            } else if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              setOptions([]);
            }
          }}
        />
        <div
          id={listId}
          role="listbox"
          className="options"
          hidden={!open}
          aria-label={membersOnly ? 'Matching members' : 'Matching members and squads'}
        >
          {options.map((o, i) => (
            <div
              key={`${o.kind}:${o.id}`}
              tabIndex={-1}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'is-active' : undefined}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => add(o)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') add(o);
              }}
            >
              {o.name}
              {o.kind === 'squad' && <span className="muted"> · squad</span>}
            </div>
          ))}
        </div>
      </div>
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
      {searchError && (
        <p className="field-error" role="alert">
          Members could not be searched: {searchError}
        </p>
      )}
    </div>
  );
}
