import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError, api, listAll, type Space } from './api.ts';
import { navigate, useLocation } from './router.ts';
import { useSession } from './session.tsx';

interface MemberRow {
  id: string;
  displayName: string;
  rank: string;
  email: string;
  role: string;
  squads: { id: string; name: string; leader: boolean }[];
}

interface SquadRow {
  id: string;
  name: string;
  leaders: { id: string; displayName: string }[];
  members: { id: string; displayName: string }[];
}

/** Errors of one admin form: the field the API named, or a general message. */
function useFormErrors() {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const fail = (err: unknown) => {
    if (err instanceof ApiError && err.field) {
      setErrors({ [err.field.split('.')[0]!]: err.problem.detail ?? err.message });
      setGeneral(null);
    } else {
      setErrors({});
      setGeneral(err instanceof ApiError ? (err.problem.detail ?? err.message) : String(err));
    }
  };
  const clear = () => {
    setErrors({});
    setGeneral(null);
  };
  return { errors, general, fail, clear };
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

const tabs = [
  ['spaces', 'Spaces'],
  ['members', 'Members'],
  ['squads', 'Squads'],
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
    </div>
  );
}

const kinds = ['training', 'sparring', 'briefing', 'cabin', 'other'];

function SpacesAdmin() {
  const { spaces, reload } = useSession();
  const [name, setName] = useState('');
  const [kind, setKind] = useState('training');
  const [capacity, setCapacity] = useState('8');
  const [changeover, setChangeover] = useState('0');
  const [done, setDone] = useState('');
  const { errors, general, fail, clear } = useFormErrors();

  async function submit(e: FormEvent) {
    e.preventDefault();
    clear();
    try {
      await api<Space>('POST', '/spaces', {
        name,
        kind,
        capacity: Number(capacity),
        changeoverMinutes: Number(changeover),
      });
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
            </tr>
          </thead>
          <tbody>
            {spaces.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{s.kind}</td>
                <td>{s.capacity}</td>
                <td>{String(s.changeoverMinutes ?? 0)} min</td>
                <td>{String(s.access ?? 'everyone')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
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
              <select {...a} value={kind} onChange={(e) => setKind(e.target.value)}>
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
  const [members, setMembers] = useState<MemberRow[]>([]);
  const [q, setQ] = useState('');
  const [form, setForm] = useState({ email: '', displayName: '', rank: '', role: 'member', password: '' });
  const [done, setDone] = useState('');
  const { errors, general, fail, clear } = useFormErrors();

  const load = useCallback(async () => {
    setMembers(
      await listAll<MemberRow>(`/members?limit=500${q ? `&q=${encodeURIComponent(q)}` : ''}`).catch(() => []),
    );
  }, [q]);
  useEffect(() => {
    void load();
  }, [load]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    clear();
    try {
      await api('POST', '/members', {
        email: form.email,
        displayName: form.displayName,
        role: form.role,
        ...(form.rank ? { rank: form.rank } : {}),
        ...(form.password ? { password: form.password } : {}),
      });
      setDone(`Added ${form.displayName}.`);
      setForm({ email: '', displayName: '', rank: '', role: 'member', password: '' });
      await load();
    } catch (err) {
      fail(err);
    }
  }
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });

  return (
    <section aria-labelledby="admin-members">
      <h2 id="admin-members">Members</h2>
      <label htmlFor="member-filter">Filter by name</label>
      <input id="member-filter" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Rank</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Squads</th>
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
              </tr>
            ))}
          </tbody>
        </table>
      </div>
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
  const { reload } = useSession();
  const [squads, setSquads] = useState<SquadRow[]>([]);
  const [name, setName] = useState('');
  const [done, setDone] = useState('');
  const { errors, general, fail, clear } = useFormErrors();

  const load = useCallback(async () => {
    setSquads(await listAll<SquadRow>('/squads?limit=500').catch(() => []));
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    clear();
    try {
      await api('POST', '/squads', { name });
      setDone(`Added ${name}.`);
      setName('');
      await Promise.all([load(), reload()]);
    } catch (err) {
      fail(err);
    }
  }

  return (
    <section aria-labelledby="admin-squads">
      <h2 id="admin-squads">Squads</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Leaders</th>
              <th scope="col">Members</th>
            </tr>
          </thead>
          <tbody>
            {squads.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{s.leaders.map((m) => m.displayName).join(', ')}</td>
                <td>{s.members.map((m) => m.displayName).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
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
