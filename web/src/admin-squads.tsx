import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { AdminForm, EditButton, Field, useFormErrors, useRowEditor } from './admin-form.tsx';
import { type Answer, client, ifMatch, must } from './api.ts';
import { type Chosen, ParticipantsPicker } from './participants.tsx';
import { keys, squadsQuery } from './queries.ts';

type SquadRow = Answer<'/api/v1/squads', 'get'>['items'][number];

/** Admin → Squads: the squads with their leaders and members, an editor per squad, and adding one. */
export function SquadsAdmin() {
  const qc = useQueryClient();
  const squadsList = useQuery(squadsQuery);
  const squads: SquadRow[] = squadsList.data ?? [];
  const load = () => qc.invalidateQueries({ queryKey: keys.squads });
  const [name, setName] = useState('');
  const [done, setDone] = useState('');
  const row = useRowEditor((s: SquadRow) => s.id);
  const { errors, general, fail, clear } = useFormErrors();

  async function submit() {
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
                  <EditButton id={s.id} name={s.name} onClick={() => row.open(s)} />
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
        <SquadEditor
          key={row.editing.id}
          squad={row.editing}
          onDone={async (msg) => {
            row.close(msg);
            if (msg) await load();
          }}
        />
      )}
      <AdminForm
        id="add-squad"
        title="Add a squad"
        general={general}
        submitLabel="Add squad"
        onSubmit={submit}
        status={done}
      >
        <Field id="sq-name" label="Name" error={errors.name}>
          {(a) => <input {...a} type="text" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
      </AdminForm>
    </section>
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

  async function submit() {
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
    <AdminForm
      id="edit-squad"
      title={`Edit ${squad.name}`}
      general={general}
      submitLabel="Save squad"
      onSubmit={submit}
      onCancel={() => onDone('')}
      busy={busy}
    >
      <Field id="sqe-name" label="Name" error={errors.name}>
        {(a) => <input {...a} type="text" value={name} onChange={(e) => setName(e.target.value)} />}
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
    </AdminForm>
  );
}
