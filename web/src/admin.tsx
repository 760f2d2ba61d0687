import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { DisplaysAdmin } from './admin-displays.tsx';
import { QuotasAdmin } from './admin-quotas.tsx';
import { SiteSettings } from './admin-site.tsx';
import { type Answer, ApiError, allPages, client, ifMatch, must, type Space } from './api.ts';
import { type Chosen, ParticipantsPicker } from './participants.tsx';
import { keys, squadsQuery } from './queries.ts';
import { navigate, useLocation } from './router.ts';
import { useSession } from './session.tsx';

type MemberRow = Answer<'/api/v1/members', 'get'>['items'][number];
type SquadRow = Answer<'/api/v1/squads', 'get'>['items'][number];

/** Errors of one admin form: the field the API named, or a general message. */
function useFormErrors() {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const fail = (err: unknown) => {
    if (err instanceof ApiError && err.field) {
      setErrors({ [err.field.split('.')[0]!]: err.problem.detail || err.message });
      setGeneral(null);
    } else {
      setErrors({});
      setGeneral(err instanceof ApiError ? err.problem.detail || err.message : String(err));
    }
  };
  const clear = () => {
    setErrors({});
    setGeneral(null);
  };
  return { errors, general, fail, clear, setFieldErrors: setErrors };
}

function Field({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  children: (aria: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const aria = error ? { id, 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : { id };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(aria)}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** Puts the focus back on a row's Edit button once its editor closes, so keyboard users keep their place. */
function focusEditButton(id: string) {
  window.requestAnimationFrame(() =>
    document.querySelector<HTMLButtonElement>(`button[data-edit="${CSS.escape(id)}"]`)?.focus(),
  );
}

const tabs = [
  ['spaces', 'Spaces'],
  ['members', 'Members'],
  ['squads', 'Squads'],
  ['site', 'Site'],
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
      {tab === 'displays' && <DisplaysAdmin />}
      {tab === 'quotas' && <QuotasAdmin />}
    </div>
  );
}

const kinds = ['training', 'sparring', 'briefing', 'cabin', 'other'] as const;
type Kind = (typeof kinds)[number];

function SpacesAdmin() {
  const { spaces } = useSession();
  const qc = useQueryClient();
  const reload = () => qc.invalidateQueries({ queryKey: keys.spaces });
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Kind>('training');
  const [capacity, setCapacity] = useState('8');
  const [changeover, setChangeover] = useState('0');
  const [done, setDone] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState('');
  const { errors, general, fail, clear } = useFormErrors();

  async function submit(e: FormEvent) {
    e.preventDefault();
    clear();
    try {
      await must(
        client.POST('/api/v1/spaces', {
          body: { name, kind, capacity: Number(capacity), changeoverMinutes: Number(changeover) },
        }),
      );
      setDone(`Added ${name}.`);
      setName('');
      await reload();
    } catch (err) {
      fail(err);
    }
  }

  return (
    <section aria-labelledby="admin-spaces">
      <h2 id="admin-spaces">Spaces</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Capacity</th>
              <th scope="col">Changeover</th>
              <th scope="col">Who may book</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {spaces.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{s.kind}</td>
                <td>{s.capacity}</td>
                <td>{s.changeoverMinutes} min</td>
                <td>{s.access}</td>
                <td>
                  {s.can.edit && (
                    <button
                      type="button"
                      aria-label={`Edit ${s.name}`}
                      data-edit={s.id}
                      onClick={() => {
                        setSaved('');
                        setEditing(s.id);
                      }}
                    >
                      Edit
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p role="status" className="notice">
        {editing ? '' : saved}
      </p>
      {editing && (
        <SpaceEditor
          key={editing}
          id={editing}
          onDone={(msg) => {
            setSaved(msg);
            focusEditButton(editing);
            setEditing(null);
          }}
        />
      )}
      <form
        className="card admin-form"
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-labelledby="add-space"
      >
        <h3 id="add-space">Add a space</h3>
        {general && (
          <p className="error-banner" role="alert">
            {general}
          </p>
        )}
        <div className="form-grid">
          <Field id="sp-name" label="Name" error={errors.name}>
            {(a) => <input {...a} type="text" value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field id="sp-kind" label="Kind" error={errors.kind}>
            {(a) => (
              <select {...a} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
                {kinds.map((k) => (
                  <option key={k}>{k}</option>
                ))}
              </select>
            )}
          </Field>
          <Field id="sp-capacity" label="Capacity" error={errors.capacity}>
            {(a) => (
              <input
                {...a}
                type="number"
                min={1}
                value={capacity}
                onChange={(e) => setCapacity(e.target.value)}
              />
            )}
          </Field>
          <Field id="sp-changeover" label="Changeover (minutes)" error={errors.changeoverMinutes}>
            {(a) => (
              <input
                {...a}
                type="number"
                min={0}
                value={changeover}
                onChange={(e) => setChangeover(e.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            Add space
          </button>
        </div>
        <p role="status">{done}</p>
      </form>
    </section>
  );
}

function MembersAdmin() {
  const [q, setQ] = useState('');
  const qc = useQueryClient();
  const membersQuery = useQuery({
    queryKey: [...keys.members, q],
    queryFn: () =>
      allPages((cursor) =>
        client.GET('/api/v1/members', { params: { query: { cursor, limit: 200, ...(q ? { q } : {}) } } }),
      ),
  });
  const members: MemberRow[] = membersQuery.data ?? [];
  const load = () => qc.invalidateQueries({ queryKey: keys.members });
  const [editing, setEditing] = useState<MemberRow | null>(null);
  const [form, setForm] = useState({
    email: '',
    displayName: '',
    rank: '',
    role: 'member' as 'member' | 'admin',
    password: '',
  });
  const [done, setDone] = useState('');
  const { errors, general, fail, clear } = useFormErrors();

  async function submit(e: FormEvent) {
    e.preventDefault();
    clear();
    try {
      await must(
        client.POST('/api/v1/members', {
          body: {
            email: form.email,
            displayName: form.displayName,
            role: form.role,
            ...(form.rank ? { rank: form.rank } : {}),
            ...(form.password ? { password: form.password } : {}),
          },
        }),
      );
      setDone(`Added ${form.displayName}.`);
      setForm({ email: '', displayName: '', rank: '', role: 'member', password: '' });
      await load();
    } catch (err) {
      fail(err);
    }
  }
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });

  const { me } = useSession();
  const [accountStatus, setAccountStatus] = useState('');
  async function resetPassword(m: MemberRow) {
    setAccountStatus('');
    try {
      const r = await must(
        client.POST('/api/v1/members/{id}/password-reset', { params: { path: { id: m.id } }, body: {} }),
      );
      setAccountStatus(
        `Temporary password for ${m.displayName} (shown once; they choose their own at sign-in): ${r.temporaryPassword}`,
      );
      await load();
    } catch (err) {
      setAccountStatus(err instanceof ApiError ? err.problem.detail || err.message : String(err));
    }
  }
  async function deactivate(m: MemberRow) {
    setAccountStatus('');
    if (
      !window.confirm(
        `Deactivate ${m.displayName}? They are signed out everywhere and their upcoming sessions are cancelled.`,
      )
    )
      return;
    try {
      await must(
        client.POST('/api/v1/members/{id}/deactivate', { params: { path: { id: m.id } }, body: {} }),
      );
      setAccountStatus(`Deactivated ${m.displayName}.`);
      await load();
    } catch (err) {
      setAccountStatus(err instanceof ApiError ? err.problem.detail || err.message : String(err));
    }
  }
  async function reactivate(m: MemberRow) {
    setAccountStatus('');
    try {
      await must(client.POST('/api/v1/members/{id}/reactivate', { params: { path: { id: m.id } } }));
      setAccountStatus(
        `Reactivated ${m.displayName}. Reset their password so they can sign in: their old one no longer works.`,
      );
      await load();
    } catch (err) {
      setAccountStatus(err instanceof ApiError ? err.problem.detail || err.message : String(err));
    }
  }

  return (
    <section aria-labelledby="admin-members">
      <h2 id="admin-members">Members</h2>
      <label htmlFor="member-filter">Filter by name</label>
      <input id="member-filter" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      {membersQuery.error && (
        <p className="error-banner" role="alert">
          Members could not be loaded: {membersQuery.error.message}
        </p>
      )}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Rank</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Squads</th>
              <th scope="col">Account</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.id}>
                <td>{m.displayName}</td>
                <td>{m.rank}</td>
                <td>{m.email}</td>
                <td>{m.role}</td>
                <td>{m.squads.map((s) => (s.leader ? `${s.name} (leader)` : s.name)).join(', ')}</td>
                <td>
                  {m.deactivatedAt
                    ? 'Deactivated'
                    : m.mustChangePassword
                      ? 'Must set a new password'
                      : 'Active'}
                </td>
                <td>
                  <button
                    type="button"
                    aria-label={`Edit ${m.displayName}`}
                    data-edit={m.id}
                    onClick={() => {
                      setAccountStatus('');
                      setEditing(m);
                    }}
                  >
                    Edit
                  </button>
                  {m.deactivatedAt && (
                    <button
                      type="button"
                      aria-label={`Reactivate ${m.displayName}`}
                      onClick={() => void reactivate(m)}
                    >
                      Reactivate
                    </button>
                  )}
                  {!m.deactivatedAt && (
                    <>
                      <button
                        type="button"
                        aria-label={`Reset password of ${m.displayName}`}
                        onClick={() => void resetPassword(m)}
                      >
                        Reset password
                      </button>
                      {m.id !== me.id && (
                        <button
                          type="button"
                          aria-label={`Deactivate ${m.displayName}`}
                          onClick={() => void deactivate(m)}
                        >
                          Deactivate
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p role="status" className="notice">
        {editing ? '' : accountStatus}
      </p>
      {editing && (
        <MemberEditor
          key={editing.id}
          member={editing}
          onDone={async (msg) => {
            setAccountStatus(msg);
            focusEditButton(editing.id);
            const self = editing.id === me.id;
            setEditing(null);
            if (msg) {
              // Names show in squads and sessions too; one's own role rides on the session.
              await Promise.all([
                load(),
                qc.invalidateQueries({ queryKey: keys.squads }),
                qc.invalidateQueries({ queryKey: keys.bookings }),
                ...(self ? [qc.invalidateQueries({ queryKey: keys.me })] : []),
              ]);
            }
          }}
        />
      )}
      <form
        className="card admin-form"
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-labelledby="add-member"
      >
        <h3 id="add-member">Add a member</h3>
        {general && (
          <p className="error-banner" role="alert">
            {general}
          </p>
        )}
        <div className="form-grid">
          <Field id="mb-name" label="Display name" error={errors.displayName}>
            {(a) => <input {...a} type="text" value={form.displayName} onChange={set('displayName')} />}
          </Field>
          <Field id="mb-email" label="Email" error={errors.email}>
            {(a) => <input {...a} type="email" value={form.email} onChange={set('email')} />}
          </Field>
          <Field id="mb-rank" label="Rank or title" error={errors.rank}>
            {(a) => <input {...a} type="text" value={form.rank} onChange={set('rank')} />}
          </Field>
          <Field id="mb-role" label="Role" error={errors.role}>
            {(a) => (
              <select {...a} value={form.role} onChange={set('role')}>
                <option value="member">member</option>
                <option value="admin">admin</option>
              </select>
            )}
          </Field>
          <Field id="mb-password" label="Password (8+ characters)" error={errors.password}>
            {(a) => (
              <input
                {...a}
                type="password"
                autoComplete="new-password"
                value={form.password}
                onChange={set('password')}
              />
            )}
          </Field>
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            Add member
          </button>
        </div>
        <p role="status">{done}</p>
      </form>
    </section>
  );
}

function SquadsAdmin() {
  const qc = useQueryClient();
  const squadsList = useQuery(squadsQuery);
  const squads: SquadRow[] = squadsList.data ?? [];
  const load = () => qc.invalidateQueries({ queryKey: keys.squads });
  const [name, setName] = useState('');
  const [done, setDone] = useState('');
  const [editing, setEditing] = useState<SquadRow | null>(null);
  const [saved, setSaved] = useState('');
  const { errors, general, fail, clear } = useFormErrors();

  async function submit(e: FormEvent) {
    e.preventDefault();
    clear();
    try {
      await must(client.POST('/api/v1/squads', { body: { name } }));
      setDone(`Added ${name}.`);
      setName('');
      await load();
    } catch (err) {
      fail(err);
    }
  }

  return (
    <section aria-labelledby="admin-squads">
      <h2 id="admin-squads">Squads</h2>
      {squadsList.error && (
        <p className="error-banner" role="alert">
          Squads could not be loaded: {squadsList.error.message}
        </p>
      )}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Leaders</th>
              <th scope="col">Members</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {squads.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{s.leaders.map((m) => m.displayName).join(', ')}</td>
                <td>{s.members.map((m) => m.displayName).join(', ')}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Edit ${s.name}`}
                    data-edit={s.id}
                    onClick={() => {
                      setSaved('');
                      setEditing(s);
                    }}
                  >
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p role="status" className="notice">
        {editing ? '' : saved}
      </p>
      {editing && (
        <SquadEditor
          key={editing.id}
          squad={editing}
          onDone={async (msg) => {
            setSaved(msg);
            focusEditButton(editing.id);
            setEditing(null);
            if (msg) await load();
          }}
        />
      )}
      <form
        className="card admin-form"
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-labelledby="add-squad"
      >
        <h3 id="add-squad">Add a squad</h3>
        {general && (
          <p className="error-banner" role="alert">
            {general}
          </p>
        )}
        <Field id="sq-name" label="Name" error={errors.name}>
          {(a) => <input {...a} type="text" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <div className="actions">
          <button type="submit" className="primary">
            Add squad
          </button>
        </div>
        <p role="status">{done}</p>
      </form>
    </section>
  );
}

type FullSpace = Space;
type Hours = FullSpace['openingHours'];
type Interval = { open: string; close: string };
const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** The one interval every day shares, when the hours are that simple; else null. */
function dailyHours(h: Hours): Interval | null {
  if (!h) return null;
  const first = h.mon?.[0];
  if (!first) return null;
  const same = weekdays.every(
    (d) => h[d]?.length === 1 && h[d]![0]!.open === first.open && h[d]![0]!.close === first.close,
  );
  return same ? first : null;
}

function spaceForm(s: FullSpace) {
  const daily = dailyHours(s.openingHours);
  return {
    name: s.name,
    kind: s.kind,
    capacity: String(s.capacity),
    changeoverMinutes: String(s.changeoverMinutes),
    minMinutes: String(s.minMinutes),
    maxMinutes: String(s.maxMinutes),
    access: s.access,
    allowedRoles: s.allowedRoles,
    allowedSquadIds: s.allowedSquadIds,
    checkInOpenMinutes: String(s.checkInOpenMinutes),
    releaseAfterMinutes: String(s.releaseAfterMinutes),
    defaultVisibility: s.defaultVisibility ?? 'public',
    // "custom" keeps per-weekday hours set through the API untouched.
    hoursMode: s.openingHours === null ? 'always' : daily ? 'daily' : 'custom',
    open: daily?.open ?? '08:00',
    close: daily?.close ?? '20:00',
  };
}

/** A whole number typed in a field, or undefined when the text is not one. */
const wholeNumber = (v: string): number | undefined => (/^\s*\d+\s*$/.test(v) ? Number(v) : undefined);

/** Edits one space with If-Match, so a change made meanwhile is refused rather than overwritten. */
function SpaceEditor({ id, onDone }: { id: string; onDone: (msg: string) => void }) {
  const { squads } = useSession();
  const qc = useQueryClient();
  const reload = () => qc.invalidateQueries({ queryKey: keys.spaces });
  const [space, setSpace] = useState<FullSpace | null>(null);
  const [form, setForm] = useState<ReturnType<typeof spaceForm> | null>(null);
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);
  const { errors, general, fail, clear, setFieldErrors } = useFormErrors();
  const first = useRef<HTMLInputElement>(null);

  const read = async () => {
    try {
      const s = await must(client.GET('/api/v1/spaces/{id}', { params: { path: { id } } }));
      setSpace(s);
      setForm(spaceForm(s));
      setStale(false);
      clear();
    } catch (err) {
      fail(err);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: read once per space; the editor is keyed by id
  useEffect(() => {
    void read();
  }, [id]);
  // Focus the first field once, when the form first shows.
  const shown = form !== null;
  useEffect(() => {
    if (shown) first.current?.focus();
  }, [shown]);

  if (!form || !space)
    return general ? (
      <p className="error-banner" role="alert">
        {general}
      </p>
    ) : null;

  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });
  const toggle = <T extends string>(list: T[], v: T, on: boolean) =>
    on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!form || !space) return;
    clear();
    setStale(false);
    const numbers = {
      capacity: wholeNumber(form.capacity),
      changeoverMinutes: wholeNumber(form.changeoverMinutes),
      minMinutes: wholeNumber(form.minMinutes),
      maxMinutes: wholeNumber(form.maxMinutes),
      checkInOpenMinutes: wholeNumber(form.checkInOpenMinutes),
      releaseAfterMinutes: wholeNumber(form.releaseAfterMinutes),
    };
    const missing = Object.entries(numbers).filter(([, v]) => v === undefined);
    if (missing.length) {
      setFieldErrors(Object.fromEntries(missing.map(([k]) => [k, 'Enter a whole number'])));
      return;
    }
    const n = numbers as Record<keyof typeof numbers, number>;
    setBusy(true);
    const hours =
      form.hoursMode === 'always'
        ? { openingHours: null }
        : form.hoursMode === 'daily'
          ? {
              openingHours: Object.fromEntries(
                weekdays.map((d) => [d, [{ open: form.open, close: form.close }]]),
              ),
            }
          : {};
    try {
      const saved = await must(
        client.PATCH('/api/v1/spaces/{id}', {
          params: { path: { id: space.id } },
          body: {
            name: form.name,
            kind: form.kind,
            ...n,
            access: form.access,
            allowedRoles: form.allowedRoles,
            allowedSquadIds: form.allowedSquadIds,
            defaultVisibility: form.defaultVisibility,
            ...hours,
          },
          headers: ifMatch(space.version),
        }),
      );
      setSpace(saved);
      await reload();
      onDone(`Saved ${saved.name}.`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        setStale(true);
        // The table above shows the space as it is now; the form keeps what was typed.
        await reload().catch(() => undefined);
      } else fail(err);
    } finally {
      setBusy(false);
    }
  }

  const numberField = (k: keyof typeof form, label: string, min: number) => (
    <Field id={`se-${k}`} label={label} error={errors[k]}>
      {(a) => <input {...a} type="number" min={min} value={form[k] as string} onChange={set(k)} />}
    </Field>
  );

  return (
    <form
      className="card admin-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby="edit-space"
    >
      <h3 id="edit-space">Edit {space.name}</h3>
      {stale && (
        <div className="error-banner" role="alert">
          This space has changed since you opened it — reload to see the current values, then make your change
          again.{' '}
          <button type="button" className="link-button" onClick={() => void read()}>
            Reload
          </button>
        </div>
      )}
      {general && (
        <p className="error-banner" role="alert">
          {general}
        </p>
      )}
      <div className="form-grid">
        <Field id="se-name" label="Name" error={errors.name}>
          {(a) => <input {...a} ref={first} type="text" value={form.name} onChange={set('name')} />}
        </Field>
        <Field id="se-kind" label="Kind" error={errors.kind}>
          {(a) => (
            <select {...a} value={form.kind} onChange={set('kind')}>
              {kinds.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          )}
        </Field>
        {numberField('capacity', 'Capacity', 1)}
        {numberField('changeoverMinutes', 'Changeover (minutes)', 0)}
        {numberField('minMinutes', 'Shortest booking (minutes)', 1)}
        {numberField('maxMinutes', 'Longest booking (minutes)', 1)}
        {numberField('checkInOpenMinutes', 'Check-in opens (minutes before start)', 0)}
        {numberField('releaseAfterMinutes', 'Release if nobody checks in (minutes after start)', 1)}
        <Field id="se-access" label="Who may book" error={errors.access ?? errors.ownerId}>
          {(a) => (
            <select {...a} value={form.access} onChange={set('access')}>
              <option value="everyone">Everyone</option>
              <option value="restricted">Chosen roles and squads</option>
              <option value="owner">Only its owner</option>
            </select>
          )}
        </Field>
        <Field id="se-visibility" label="Bookings here are" error={errors.defaultVisibility}>
          {(a) => (
            <select {...a} value={form.defaultVisibility} onChange={set('defaultVisibility')}>
              <option value="public">Public unless made private</option>
              <option value="private">Private unless made public</option>
            </select>
          )}
        </Field>
        <Field id="se-hours" label="Opening hours" error={errors.openingHours}>
          {(a) => (
            <select {...a} value={form.hoursMode} onChange={set('hoursMode')}>
              <option value="always">Always open</option>
              <option value="daily">The same hours every day</option>
              {form.hoursMode === 'custom' && (
                <option value="custom">Hours per weekday (kept as they are)</option>
              )}
            </select>
          )}
        </Field>
        {form.hoursMode === 'daily' && (
          <>
            <Field id="se-open" label="Opens at" error={undefined}>
              {(a) => <input {...a} type="time" value={form.open} onChange={set('open')} />}
            </Field>
            <Field id="se-close" label="Closes at" error={undefined}>
              {(a) => <input {...a} type="time" value={form.close} onChange={set('close')} />}
            </Field>
          </>
        )}
        {form.access === 'restricted' && (
          <fieldset className="span-2">
            <legend>Allowed to book</legend>
            {(['admin', 'member'] as const).map((r) => (
              <label key={r} className="check">
                <input
                  type="checkbox"
                  checked={form.allowedRoles.includes(r)}
                  onChange={(e) =>
                    setForm({ ...form, allowedRoles: toggle(form.allowedRoles, r, e.target.checked) })
                  }
                />{' '}
                {r === 'admin' ? 'Admins' : 'All members'}
              </label>
            ))}
            {squads.map((s) => (
              <label key={s.id} className="check">
                <input
                  type="checkbox"
                  checked={form.allowedSquadIds.includes(s.id)}
                  onChange={(e) =>
                    setForm({
                      ...form,
                      allowedSquadIds: toggle(form.allowedSquadIds, s.id, e.target.checked),
                    })
                  }
                />{' '}
                Squad {s.name}
              </label>
            ))}
            {(errors.allowedRoles ?? errors.allowedSquadIds) && (
              <p className="field-error">{errors.allowedRoles ?? errors.allowedSquadIds}</p>
            )}
          </fieldset>
        )}
      </div>
      <div className="actions">
        <button type="button" onClick={() => onDone('')}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Save space
        </button>
      </div>
    </form>
  );
}

/** Changes a member's name, rank, email and role; only what changed is sent. */
function MemberEditor({ member, onDone }: { member: MemberRow; onDone: (msg: string) => void }) {
  const [form, setForm] = useState({
    displayName: member.displayName,
    rank: member.rank,
    email: member.email,
    role: member.role,
  });
  const [busy, setBusy] = useState(false);
  const { errors, general, fail, clear } = useFormErrors();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    clear();
    const body = {
      ...(form.displayName !== member.displayName ? { displayName: form.displayName } : {}),
      ...(form.rank !== member.rank ? { rank: form.rank } : {}),
      ...(form.email !== member.email ? { email: form.email } : {}),
      ...(form.role !== member.role ? { role: form.role } : {}),
    };
    if (Object.keys(body).length === 0) {
      onDone('');
      return;
    }
    setBusy(true);
    try {
      const saved = await must(
        client.PATCH('/api/v1/members/{id}', { params: { path: { id: member.id } }, body }),
      );
      onDone(`Saved ${saved.displayName}.`);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="card admin-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby="edit-member"
    >
      <h3 id="edit-member">Edit {member.displayName}</h3>
      {general && (
        <p className="error-banner" role="alert">
          {general}
        </p>
      )}
      <div className="form-grid">
        <Field id="mbe-name" label="Display name" error={errors.displayName}>
          {(a) => (
            <input {...a} ref={first} type="text" value={form.displayName} onChange={set('displayName')} />
          )}
        </Field>
        <Field id="mbe-rank" label="Rank or title" error={errors.rank}>
          {(a) => <input {...a} type="text" value={form.rank} onChange={set('rank')} />}
        </Field>
        <Field id="mbe-email" label="Email" error={errors.email}>
          {(a) => <input {...a} type="email" value={form.email} onChange={set('email')} />}
        </Field>
        <Field id="mbe-role" label="Role" error={errors.role}>
          {(a) => (
            <select {...a} value={form.role} onChange={set('role')}>
              <option value="member">member</option>
              <option value="admin">admin</option>
            </select>
          )}
        </Field>
      </div>
      <div className="actions">
        <button type="button" onClick={() => onDone('')}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Save member
        </button>
      </div>
    </form>
  );
}

/** Renames a squad and replaces its leaders and members, picked by typing names. */
function SquadEditor({ squad, onDone }: { squad: SquadRow; onDone: (msg: string) => void }) {
  const asChosen = (list: { id: string; displayName: string }[]): Chosen[] =>
    list.map((m) => ({ kind: 'member', id: m.id, name: m.displayName }));
  const leaderIds = new Set(squad.leaders.map((m) => m.id));
  const [name, setName] = useState(squad.name);
  const [leaders, setLeaders] = useState<Chosen[]>(asChosen(squad.leaders));
  // Leaders are members too; the form lists the others, and the API adds leaders to the members.
  const [members, setMembers] = useState<Chosen[]>(
    asChosen(squad.members.filter((m) => !leaderIds.has(m.id))),
  );
  const [busy, setBusy] = useState(false);
  const { errors, general, fail, clear } = useFormErrors();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    clear();
    setBusy(true);
    try {
      const ids = (l: Chosen[]) => l.map((c) => c.id);
      // If-Match: an edit made meanwhile by someone else is refused (412), not overwritten.
      await must(
        client.PATCH('/api/v1/squads/{id}', {
          params: { path: { id: squad.id } },
          body: {
            name,
            leaderIds: ids(leaders),
            memberIds: [...new Set([...ids(leaders), ...ids(members)])],
          },
          headers: ifMatch(squad.version),
        }),
      );
      onDone(`Saved ${name}.`);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="card admin-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby="edit-squad"
    >
      <h3 id="edit-squad">Edit {squad.name}</h3>
      {general && (
        <p className="error-banner" role="alert">
          {general}
        </p>
      )}
      <Field id="sqe-name" label="Name" error={errors.name}>
        {(a) => (
          <input {...a} ref={first} type="text" value={name} onChange={(e) => setName(e.target.value)} />
        )}
      </Field>
      <ParticipantsPicker
        id="sqe-leaders"
        label="Leaders"
        membersOnly
        includeSelf
        value={leaders}
        onChange={setLeaders}
        error={errors.leaderIds}
      />
      <ParticipantsPicker
        id="sqe-members"
        label="Members"
        membersOnly
        includeSelf
        value={members}
        onChange={setMembers}
        error={errors.memberIds}
      />
      <div className="actions">
        <button type="button" onClick={() => onDone('')}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Save squad
        </button>
      </div>
    </form>
  );
}
