import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError, client, type Door, errorText, ifMatch, must, type Space } from './api.ts';
import { availability, doorQuery, StateBadge, seenAt } from './doors.tsx';
import { doorsQuery, keys, membersQuery } from './queries.ts';
import { navigate } from './router.ts';
import { useSession } from './session.tsx';

type FieldName = 'spaceId' | 'name' | 'topic' | 'relockSeconds' | 'alarmSeconds' | 'ownerId';

/** What to say when a field is refused, in words (the server's own words name schema paths). */
const words: Record<Exclude<FieldName, 'spaceId' | 'ownerId' | 'topic'>, string> = {
  name: 'Enter a name of at most 200 characters, such as "Door"',
  relockSeconds: 'Enter a whole number of seconds from 0 (never) to 86400',
  alarmSeconds: 'Enter a whole number of seconds from 10 to 86400, or leave it empty for the site default',
};

const topicWords =
  "Enter the lock's MQTT base topic, such as zigbee2mqtt/cabin-7-lock: no spaces at the ends, no # or +, not starting or ending with /, not ending in /set or /availability";

const whole = (v: string) => (/^\s*\d+\s*$/.test(v) ? Number(v) : undefined);

interface Form {
  spaceId: string;
  name: string;
  topic: string;
  hasContact: boolean;
  failMode: 'safe' | 'secure';
  relockSeconds: string;
  alarmSeconds: string;
  ownerId: string;
}

/** The form's own checks, in words; the server checks again. */
function check(form: Form, adding: boolean): Partial<Record<FieldName, string>> {
  const found: Partial<Record<FieldName, string>> = {};
  if (adding && !form.spaceId) found.spaceId = 'Choose the space the door belongs to';
  if (!form.name.trim() || form.name.trim().length > 200) found.name = words.name;
  const t = form.topic.trim();
  if (!t || t.length > 200 || /[#+]/.test(t) || /^\/|\/$/.test(t) || /\/(set|availability)$/.test(t))
    found.topic = topicWords;
  const relock = whole(form.relockSeconds);
  if (relock === undefined || relock > 86400) found.relockSeconds = words.relockSeconds;
  if (form.alarmSeconds.trim()) {
    const alarm = whole(form.alarmSeconds);
    if (alarm === undefined || alarm < 10 || alarm > 86400) found.alarmSeconds = words.alarmSeconds;
  }
  return found;
}

/** Admin → Doors: every door with its live state, adding one to a space, and changing one. */
export function DoorsAdmin() {
  const doors = useQuery(doorsQuery);
  const { spaces, site } = useSession();
  const members = useQuery(membersQuery);
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState('');
  const nameOf = (id: string | null) =>
    id ? (members.data?.find((m) => m.id === id)?.displayName ?? '…') : 'nobody';
  const list = doors.data ?? [];
  const withDoor = new Set(list.map((d) => d.spaceId));
  const close = (id: string, msg: string) => {
    setSaved(msg);
    setEditing(null);
    window.requestAnimationFrame(() =>
      document.querySelector<HTMLButtonElement>(`button[data-edit-door="${CSS.escape(id)}"]`)?.focus(),
    );
  };

  return (
    <section aria-labelledby="admin-doors">
      <h2 id="admin-doors">Doors</h2>
      {doors.error ? (
        <p className="error-banner" role="alert">
          The doors could not be read: {doors.error.message}
        </p>
      ) : !doors.data ? (
        <p role="status">Loading…</p>
      ) : list.length === 0 ? (
        <p>No space has a door yet. Add one below.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Space</th>
                <th scope="col">Door</th>
                <th scope="col">Lock</th>
                <th scope="col">Reachable</th>
                <th scope="col">Last heard from</th>
                <th scope="col">Owner</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => (
                <tr key={d.id} data-door={d.id}>
                  <td>{d.spaceName}</td>
                  <td>{d.name}</td>
                  <td>
                    <StateBadge door={d} />
                  </td>
                  <td>{availability(d)}</td>
                  <td>{seenAt(d, site.timeZone)}</td>
                  <td>{nameOf(spaces.find((s) => s.id === d.spaceId)?.ownerId ?? null)}</td>
                  <td>
                    <div className="row-actions">
                      <a
                        href={`/doors/${d.id}`}
                        aria-label={`Open the door of ${d.spaceName}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(`/doors/${d.id}`);
                        }}
                      >
                        Open
                      </a>
                      <button
                        type="button"
                        data-edit-door={d.id}
                        aria-label={`Edit the door of ${d.spaceName}`}
                        onClick={() => {
                          setSaved('');
                          setEditing(d.id);
                        }}
                      >
                        Edit
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p role="status" className="notice">
        {editing ? '' : saved}
      </p>
      {editing && <DoorEditor key={editing} id={editing} onDone={(msg) => close(editing, msg)} />}
      <AddDoor spaces={spaces.filter((s) => !withDoor.has(s.id))} />
    </section>
  );
}

function useDoorForm(initial: Form) {
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const set = (k: keyof Form) => (e: { target: { value: string; type?: string; checked?: boolean } }) =>
    setForm((f) => ({
      ...f,
      [k]: e.target.type === 'checkbox' ? Boolean(e.target.checked) : e.target.value,
    }));
  /** A refusal from the server: on its field in words where the form has them, else above the form. */
  const refused = (err: unknown) => {
    const field = err instanceof ApiError ? (err.field?.split('.')[0] as FieldName | undefined) : undefined;
    const detail = errorText(err);
    const conflict = err instanceof ApiError && (err.status === 409 || err.status === 404);
    if (field && (field === 'spaceId' || field === 'ownerId' || conflict)) setErrors({ [field]: detail });
    else if (field === 'topic') setErrors({ topic: topicWords });
    else if (field && field in words) setErrors({ [field]: words[field as keyof typeof words] });
    else
      setGeneral(
        err instanceof ApiError && err.status === 412
          ? 'Someone changed this meanwhile; close and edit again.'
          : detail,
      );
  };
  return { form, set, errors, setErrors, general, setGeneral, refused };
}

function DoorFields({
  prefix,
  form,
  set,
  errors,
}: {
  prefix: string;
  form: Form;
  set: (k: keyof Form) => (e: { target: { value: string; type?: string; checked?: boolean } }) => void;
  errors: Partial<Record<FieldName, string>>;
}) {
  const input = (k: 'name' | 'topic' | 'relockSeconds' | 'alarmSeconds', label: string, hint?: string) => {
    const id = `${prefix}-${k}`;
    const describedBy = [errors[k] ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          type="text"
          inputMode={k.endsWith('Seconds') ? 'numeric' : undefined}
          value={form[k]}
          onChange={set(k)}
          aria-invalid={errors[k] ? true : undefined}
          aria-describedby={describedBy || undefined}
        />
        {hint && (
          <p id={`${id}-hint`} className="muted hint">
            {hint}
          </p>
        )}
        {errors[k] && (
          <p id={`${id}-error`} className="field-error">
            {errors[k]}
          </p>
        )}
      </div>
    );
  };
  return (
    <>
      {input('name', 'Name')}
      {input('topic', 'MQTT base topic', 'Zigbee2MQTT: zigbee2mqtt/<friendly name>')}
      <div className="field">
        <label htmlFor={`${prefix}-failMode`}>Without power the lock</label>
        <select id={`${prefix}-failMode`} value={form.failMode} onChange={set('failMode')}>
          <option value="secure">Stays locked (fail-secure)</option>
          <option value="safe">Opens (fail-safe)</option>
        </select>
      </div>
      <div className="field checkbox-field">
        <label className="check">
          <input type="checkbox" checked={form.hasContact} onChange={set('hasContact')} /> It reports a
          contact sensor (door open or closed)
        </label>
      </div>
      {input('relockSeconds', 'Lock again after (seconds, 0 = never)')}
      {input('alarmSeconds', 'Alarm when left unlocked or open for (seconds)', 'Empty: the site default')}
    </>
  );
}

/** The space's owner, chosen from the active members: they open the door at any time and set its guests. */
function OwnerField({
  prefix,
  spaceName,
  value,
  onChange,
  error,
}: {
  prefix: string;
  spaceName: string;
  value: string;
  onChange: (e: { target: { value: string } }) => void;
  error?: string | undefined;
}) {
  const members = useQuery(membersQuery);
  const id = `${prefix}-ownerId`;
  return (
    <div className="field">
      <label htmlFor={id}>Owner of {spaceName}</label>
      <select
        id={id}
        value={value}
        onChange={onChange}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : `${id}-hint`}
      >
        <option value="">Nobody</option>
        {(members.data ?? [])
          .filter((m) => m.deactivatedAt === null || m.id === value)
          .map((m) => (
            <option key={m.id} value={m.id}>
              {m.displayName}
            </option>
          ))}
      </select>
      <p id={`${id}-hint`} className="muted hint">
        The owner opens the door at any time and sets its guests.
      </p>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** Sets a space's owner when the form chose another one (spaces carry their owner). */
async function saveOwner(space: Space, ownerId: string): Promise<void> {
  const next = ownerId || null;
  if (next === space.ownerId) return;
  await must(
    client.PATCH('/api/v1/spaces/{id}', {
      params: { path: { id: space.id } },
      body: { ownerId: next },
      headers: ifMatch(space.version),
    }),
  );
}

function bodyOf(form: Form) {
  const alarm = whole(form.alarmSeconds);
  return {
    name: form.name.trim(),
    topic: form.topic.trim(),
    hasContact: form.hasContact,
    failMode: form.failMode,
    relockSeconds: whole(form.relockSeconds) ?? 0,
    alarmSeconds: form.alarmSeconds.trim() && alarm !== undefined ? alarm : null,
  };
}

/** The door's fields to save; the alarm delay only when changed, so a door on the site default stays on it. */
function changedBody(form: Form, door: Door) {
  const { alarmSeconds, ...rest } = bodyOf(form);
  return form.alarmSeconds.trim() === String(door.alarmSeconds) ? rest : { ...rest, alarmSeconds };
}

function AddDoor({ spaces }: { spaces: Space[] }) {
  const qc = useQueryClient();
  const empty: Form = {
    spaceId: '',
    name: 'Door',
    topic: '',
    hasContact: true,
    failMode: 'secure',
    relockSeconds: '0',
    alarmSeconds: '',
    ownerId: '',
  };
  const f = useDoorForm(empty);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const chosen = spaces.find((x) => x.id === f.form.spaceId);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone('');
    f.setGeneral(null);
    const found = check(f.form, true);
    f.setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const door = await must(
        client.POST('/api/v1/doors', { body: { spaceId: f.form.spaceId, ...bodyOf(f.form) } }),
      );
      const space = spaces.find((x) => x.id === f.form.spaceId);
      if (space) await saveOwner(space, f.form.ownerId);
      setDone(`Added the door of ${door.spaceName}.`);
      await Promise.all([
        qc.invalidateQueries({ queryKey: keys.doors }),
        qc.invalidateQueries({ queryKey: keys.spaces }),
      ]);
    } catch (err) {
      f.refused(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card admin-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="add-door">
      <h3 id="add-door">Add a door</h3>
      {f.general && (
        <p className="error-banner" role="alert">
          {f.general}
        </p>
      )}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="ad-spaceId">Space</label>
          <select
            id="ad-spaceId"
            value={f.form.spaceId}
            onChange={(e) => {
              f.set('spaceId')(e);
              // The space's present owner, to keep or change.
              const owner = spaces.find((x) => x.id === e.target.value)?.ownerId ?? '';
              f.set('ownerId')({ target: { value: owner } });
            }}
            aria-invalid={f.errors.spaceId ? true : undefined}
            aria-describedby={f.errors.spaceId ? 'ad-spaceId-error' : undefined}
          >
            <option value="">Choose a space…</option>
            {spaces.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          {f.errors.spaceId && (
            <p id="ad-spaceId-error" className="field-error">
              {f.errors.spaceId}
            </p>
          )}
        </div>
        <DoorFields prefix="ad" form={f.form} set={f.set} errors={f.errors} />
        {chosen && (
          <OwnerField
            prefix="ad"
            spaceName={chosen.name}
            value={f.form.ownerId}
            onChange={f.set('ownerId')}
            error={f.errors.ownerId}
          />
        )}
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Add door
        </button>
      </div>
      <p role="status">{done}</p>
    </form>
  );
}

function formOf(d: Door, ownerId: string | null): Form {
  return {
    spaceId: d.spaceId,
    name: d.name,
    topic: d.topic ?? '',
    hasContact: d.hasContact,
    failMode: d.failMode,
    relockSeconds: String(d.relockSeconds),
    alarmSeconds: String(d.alarmSeconds),
    ownerId: ownerId ?? '',
  };
}

/** Reads the door (for its version) and its space (for its owner) before showing the form. */
function DoorEditor({ id, onDone }: { id: string; onDone: (msg: string) => void }) {
  const door = useQuery(doorQuery(id));
  const space = useQuery({
    queryKey: [...keys.spaces, 'one', door.data?.spaceId ?? ''] as const,
    queryFn: () => must(client.GET('/api/v1/spaces/{id}', { params: { path: { id: door.data!.spaceId } } })),
    enabled: door.data !== undefined,
  });
  if (door.error || space.error)
    return (
      <p className="error-banner" role="alert">
        The door could not be read: {(door.error ?? space.error)?.message}
      </p>
    );
  if (!door.data || !space.data) return <p role="status">Loading…</p>;
  return <DoorEditorForm door={door.data} space={space.data} onDone={onDone} />;
}

function DoorEditorForm({
  door,
  space,
  onDone,
}: {
  door: Door;
  space: Space;
  onDone: (msg: string) => void;
}) {
  const qc = useQueryClient();
  const f = useDoorForm(formOf(door, space.ownerId));
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLHeadingElement>(null);
  useEffect(() => first.current?.focus(), []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    f.setGeneral(null);
    const found = check(f.form, false);
    if (space.access === 'owner' && !f.form.ownerId)
      found.ownerId = `${space.name} is booked only by its owner: choose one, or let others book it first (Spaces)`;
    f.setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await must(
        client.PATCH('/api/v1/doors/{id}', {
          params: { path: { id: door.id } },
          body: changedBody(f.form, door),
          headers: ifMatch(door.version),
        }),
      );
      await saveOwner(space, f.form.ownerId);
      await Promise.all([
        qc.invalidateQueries({ queryKey: keys.doors }),
        qc.invalidateQueries({ queryKey: keys.spaces }),
      ]);
      onDone(`Saved the door of ${door.spaceName}.`);
    } catch (err) {
      f.refused(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card admin-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="edit-door">
      <h3 id="edit-door" ref={first} tabIndex={-1}>
        Edit the door of {door.spaceName}
      </h3>
      {f.general && (
        <p className="error-banner" role="alert">
          {f.general}
        </p>
      )}
      <div className="form-grid">
        <DoorFields prefix="ed" form={f.form} set={f.set} errors={f.errors} />
        <OwnerField
          prefix="ed"
          spaceName={space.name}
          value={f.form.ownerId}
          onChange={f.set('ownerId')}
          error={f.errors.ownerId}
        />
      </div>
      <div className="actions">
        <button type="button" onClick={() => onDone('')}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Save door
        </button>
      </div>
    </form>
  );
}
