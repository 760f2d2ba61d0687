import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { AdminForm, EditButton, Field, useFormErrors, useRowEditor, wholeNumber } from './admin-form.tsx';
import { ApiError, client, ifMatch, must, type Space } from './api.ts';
import { keys } from './queries.ts';
import { useSession } from './session.tsx';

const kinds = ['training', 'sparring', 'briefing', 'cabin', 'other'] as const;
type Kind = (typeof kinds)[number];

/** Admin → Spaces: the spaces, an editor per space, and a form to add one. */
export function SpacesAdmin() {
  const { spaces } = useSession();
  const qc = useQueryClient();
  const reload = () => qc.invalidateQueries({ queryKey: keys.spaces });
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Kind>('training');
  const [capacity, setCapacity] = useState('8');
  const [changeover, setChangeover] = useState('0');
  const [done, setDone] = useState('');
  const row = useRowEditor((id: string) => id);
  const { errors, general, fail, clear } = useFormErrors();

  async function submit() {
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
                <td>{s.can.edit && <EditButton id={s.id} name={s.name} onClick={() => row.open(s.id)} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p role="status" className="notice">
        {row.status}
      </p>
      {row.editing && <SpaceEditor key={row.editing} id={row.editing} onDone={row.close} />}
      <AdminForm
        id="add-space"
        title="Add a space"
        general={general}
        submitLabel="Add space"
        onSubmit={submit}
        status={done}
      >
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
      </AdminForm>
    </section>
  );
}

type Hours = Space['openingHours'];
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

function spaceForm(s: Space) {
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

/** Edits one space with If-Match, so a change made meanwhile is refused rather than overwritten. */
function SpaceEditor({ id, onDone }: { id: string; onDone: (msg: string) => void }) {
  const { squads } = useSession();
  const qc = useQueryClient();
  const reload = () => qc.invalidateQueries({ queryKey: keys.spaces });
  const [space, setSpace] = useState<Space | null>(null);
  const [form, setForm] = useState<ReturnType<typeof spaceForm> | null>(null);
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);
  const { errors, general, fail, clear, setFieldErrors } = useFormErrors();

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

  async function submit() {
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
    <AdminForm
      id="edit-space"
      title={`Edit ${space.name}`}
      general={general}
      submitLabel="Save space"
      onSubmit={submit}
      onCancel={() => onDone('')}
      busy={busy}
      banner={
        stale && (
          <div className="error-banner" role="alert">
            This space has changed since you opened it — reload to see the current values, then make your
            change again.{' '}
            <button type="button" className="link-button" onClick={() => void read()}>
              Reload
            </button>
          </div>
        )
      }
    >
      <div className="form-grid">
        <Field id="se-name" label="Name" error={errors.name}>
          {(a) => <input {...a} type="text" value={form.name} onChange={set('name')} />}
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
    </AdminForm>
  );
}
