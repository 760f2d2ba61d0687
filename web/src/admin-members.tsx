import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { AdminForm, EditButton, Field, useFormErrors, useRowEditor } from './admin-form.tsx';
import { type Answer, allPages, client, errorText, must } from './api.ts';
import { keys } from './queries.ts';
import { useSession } from './session.tsx';

type MemberRow = Answer<'/api/v1/members', 'get'>['items'][number];

/** Admin → Members: the crew, their accounts (edit, reset, deactivate, reactivate), and adding one. */
export function MembersAdmin() {
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
  const row = useRowEditor((m: MemberRow) => m.id);
  const [form, setForm] = useState({
    email: '',
    displayName: '',
    rank: '',
    role: 'member' as 'member' | 'admin',
    password: '',
  });
  const [done, setDone] = useState('');
  const { errors, general, fail, clear } = useFormErrors();

  async function submit() {
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
  /** Runs one account action and says its outcome (or its refusal) in the section's status line. */
  async function account(run: () => Promise<string>) {
    row.setStatus('');
    try {
      row.setStatus(await run());
      await load();
    } catch (err) {
      row.setStatus(errorText(err));
    }
  }
  const resetPassword = (m: MemberRow) =>
    account(async () => {
      const r = await must(
        client.POST('/api/v1/members/{id}/password-reset', { params: { path: { id: m.id } }, body: {} }),
      );
      return `Temporary password for ${m.displayName} (shown once; they choose their own at sign-in): ${r.temporaryPassword}`;
    });
  const deactivate = (m: MemberRow) => {
    row.setStatus('');
    if (
      !window.confirm(
        `Deactivate ${m.displayName}? They are signed out everywhere and their upcoming sessions are cancelled.`,
      )
    )
      return;
    return account(async () => {
      await must(
        client.POST('/api/v1/members/{id}/deactivate', { params: { path: { id: m.id } }, body: {} }),
      );
      return `Deactivated ${m.displayName}.`;
    });
  };
  const reactivate = (m: MemberRow) =>
    account(async () => {
      await must(client.POST('/api/v1/members/{id}/reactivate', { params: { path: { id: m.id } } }));
      return `Reactivated ${m.displayName}. Reset their password so they can sign in: their old one no longer works.`;
    });

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
                  <EditButton id={m.id} name={m.displayName} onClick={() => row.open(m)} />
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
        {row.status}
      </p>
      {row.editing && (
        <MemberEditor
          key={row.editing.id}
          member={row.editing}
          onDone={async (msg) => {
            const self = row.editing?.id === me.id;
            row.close(msg);
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
      <AdminForm
        id="add-member"
        title="Add a member"
        general={general}
        submitLabel="Add member"
        onSubmit={submit}
        status={done}
      >
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
      </AdminForm>
    </section>
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
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });

  async function submit() {
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
    <AdminForm
      id="edit-member"
      title={`Edit ${member.displayName}`}
      general={general}
      submitLabel="Save member"
      onSubmit={submit}
      onCancel={() => onDone('')}
      busy={busy}
    >
      <div className="form-grid">
        <Field id="mbe-name" label="Display name" error={errors.displayName}>
          {(a) => <input {...a} type="text" value={form.displayName} onChange={set('displayName')} />}
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
    </AdminForm>
  );
}
