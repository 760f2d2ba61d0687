import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Answer, ApiError, type Body, client, errorText, ifMatch, must } from './api.ts';
import { ListState } from './list-state.tsx';
import { membersQuery } from './queries.ts';
import { useSession } from './session.tsx';

type Rule = Answer<'/api/v1/quotas', 'get'>['items'][number];
type NewRule = Body<'/api/v1/quotas', 'post'>;
type Field = 'name' | 'who' | 'where' | 'maximum' | 'windowStart' | 'windowEnd';

const quotasKey = ['quotas'] as const;
const kinds = ['training', 'sparring', 'briefing', 'cabin', 'other'] as const;
const clock = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** A refused field of the server's answer → the form's field, said in words. */
const fieldOf: Record<string, Field> = {
  'body.name': 'name',
  'body.memberId': 'who',
  'body.squadId': 'who',
  'body.spaceId': 'where',
  'body.spaceKind': 'where',
  'body.maximum': 'maximum',
  'body.window.start': 'windowStart',
  'body.window.end': 'windowEnd',
};

const empty = {
  name: '',
  who: 'everyone',
  memberId: '',
  squadId: '',
  where: 'all',
  spaceId: '',
  spaceKind: 'training',
  metric: 'hours' as 'hours' | 'sessions',
  period: 'week' as 'day' | 'week' | 'month',
  maximum: '',
  windowStart: '',
  windowEnd: '',
  countParticipants: false,
};

/**
 * Admin → Quotas: fair-use rules like "at most 6 hours a week in the sparring rooms, evenings only",
 * per member, per squad (each member on their own) or everyone; the strictest rule that applies wins.
 */
export function QuotasAdmin() {
  const { spaces, squads } = useSession();
  const qc = useQueryClient();
  const members = useQuery(membersQuery);
  const rules = useQuery({
    queryKey: quotasKey,
    queryFn: async () => (await must(client.GET('/api/v1/quotas'))).items,
  });
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  // The rule being edited: the form holds its fields and saves with its version (If-Match).
  const [editing, setEditing] = useState<Rule | null>(null);
  const set =
    (k: keyof typeof empty) => (e: { target: { value: string; checked?: boolean; type?: string } }) =>
      setForm({ ...form, [k]: e.target.type === 'checkbox' ? Boolean(e.target.checked) : e.target.value });

  const memberName = (id: string) => members.data?.find((m) => m.id === id)?.displayName ?? 'a member';
  const describe = (r: Rule) => {
    const who = r.memberId
      ? memberName(r.memberId)
      : r.squadId
        ? `each member of ${squads.find((s) => s.id === r.squadId)?.name ?? 'a squad'}`
        : 'everyone';
    const where = r.spaceId
      ? `in ${spaces.find((s) => s.id === r.spaceId)?.name ?? 'a space'}`
      : r.spaceKind
        ? `in ${r.spaceKind} spaces`
        : 'in any space';
    const what = `${r.maximum} ${r.metric === 'hours' ? (r.maximum === 1 ? 'hour' : 'hours') : r.maximum === 1 ? 'session' : 'sessions'}`;
    const when = r.window ? `, only ${r.window.start}–${r.window.end}` : '';
    return `${who}: at most ${what} a ${r.period} ${where}${when}${r.countParticipants ? ', counting participants' : ''}`;
  };

  const create = useMutation({
    mutationFn: (body: NewRule) =>
      editing
        ? must(
            client.PUT('/api/v1/quotas/{id}', {
              params: { path: { id: editing.id } },
              body,
              headers: ifMatch(editing.version),
            }),
          )
        : must(client.POST('/api/v1/quotas', { body })),
    onSuccess: async (rule) => {
      setForm(empty);
      setStatus(editing ? `Saved the rule ${rule.name}.` : `Added the rule ${rule.name}.`);
      setEditing(null);
      await qc.invalidateQueries({ queryKey: quotasKey });
    },
    onError: (err) => {
      const mapped = err instanceof ApiError ? fieldOf[String(err.problem.field ?? '')] : undefined;
      const text = errorText(err);
      if (mapped) setErrors({ [mapped]: text });
      else setGeneral(text);
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => must(client.DELETE('/api/v1/quotas/{id}', { params: { path: { id } } })),
    onSuccess: async (_, id) => {
      setConfirming(null);
      setStatus(`Removed the rule ${rules.data?.find((r) => r.id === id)?.name ?? ''}.`);
      await qc.invalidateQueries({ queryKey: quotasKey });
    },
    onError: (err) => setGeneral(errorText(err)),
  });

  function edit(r: Rule) {
    setEditing(r);
    setErrors({});
    setGeneral(null);
    setStatus('');
    setForm({
      ...empty,
      name: r.name,
      who: r.memberId ? 'member' : r.squadId ? 'squad' : 'everyone',
      memberId: r.memberId ?? '',
      squadId: r.squadId ?? '',
      where: r.spaceId ? 'space' : r.spaceKind ? 'kind' : 'all',
      spaceId: r.spaceId ?? '',
      spaceKind: r.spaceKind ?? 'training',
      metric: r.metric,
      period: r.period,
      maximum: String(r.maximum),
      windowStart: r.window?.start ?? '',
      windowEnd: r.window?.end ?? '',
      countParticipants: r.countParticipants,
    });
    document.getElementById('quota-name')?.focus();
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    setGeneral(null);
    setStatus('');
    const found: Partial<Record<Field, string>> = {};
    const maximum = Number(form.maximum);
    if (!form.name.trim()) found.name = 'Give the rule a name, such as "Evening sparring"';
    if (form.who === 'member' && !form.memberId) found.who = 'Choose the member';
    if (form.who === 'squad' && !form.squadId) found.who = 'Choose the squad';
    if (form.where === 'space' && !form.spaceId) found.where = 'Choose the space';
    if (!form.maximum.trim() || !Number.isFinite(maximum) || maximum <= 0)
      found.maximum = `Enter how many ${form.metric} at most, a number above 0`;
    else if (form.metric === 'sessions' && !Number.isInteger(maximum))
      found.maximum = 'A number of sessions is a whole number';
    const windowSet = form.windowStart !== '' || form.windowEnd !== '';
    if (windowSet && !clock.test(form.windowStart))
      found.windowStart = 'Enter the start as HH:MM, or leave both empty';
    if (windowSet && !clock.test(form.windowEnd))
      found.windowEnd = 'Enter the end as HH:MM, or leave both empty';
    else if (windowSet && form.windowStart === form.windowEnd)
      found.windowEnd = 'The end must differ from the start';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    create.mutate({
      name: form.name.trim(),
      metric: form.metric,
      period: form.period,
      maximum,
      countParticipants: form.countParticipants,
      ...(form.who === 'member' ? { memberId: form.memberId } : {}),
      ...(form.who === 'squad' ? { squadId: form.squadId } : {}),
      ...(form.where === 'space' ? { spaceId: form.spaceId } : {}),
      ...(form.where === 'kind' ? { spaceKind: form.spaceKind as (typeof kinds)[number] } : {}),
      ...(windowSet ? { window: { start: form.windowStart, end: form.windowEnd } } : {}),
    });
  }

  const invalid = (k: Field) => ({
    'aria-invalid': errors[k] ? true : undefined,
    'aria-describedby': errors[k] ? `quota-${k}-error` : undefined,
  });
  const error = (k: Field) =>
    errors[k] && (
      <p id={`quota-${k}-error`} className="field-error">
        {errors[k]}
      </p>
    );

  return (
    <section aria-labelledby="admin-quotas">
      <h2 id="admin-quotas">Quotas</h2>
      <p>The strictest rule that applies to a booking wins. Admins may exceed a rule with a reason.</p>
      <p role="status">{status}</p>
      <ListState
        query={rules}
        count={rules.data?.length ?? 0}
        empty="No quota rules yet: bookings are limited only by the spaces' own rules."
      >
        {() => (
          <ul className="quota-rules">
            {(rules.data ?? []).map((r) => (
              <li key={r.id}>
                <span>
                  <strong>{r.name}</strong> — {describe(r)}
                </span>
                {confirming === r.id ? (
                  <span className="row-actions">
                    <span>Remove {r.name}?</span>
                    <button type="button" onClick={() => remove.mutate(r.id)} disabled={remove.isPending}>
                      Remove
                    </button>
                    <button type="button" onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <span className="row-actions">
                    <button type="button" onClick={() => edit(r)} aria-label={`Edit the rule ${r.name}`}>
                      Edit
                    </button>
                    <button
                      type="button"
                      onClick={() => setConfirming(r.id)}
                      aria-label={`Remove the rule ${r.name}`}
                    >
                      Remove…
                    </button>
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </ListState>
      <form className="card admin-form" onSubmit={submit} noValidate aria-labelledby="quota-new">
        <h3 id="quota-new">{editing ? `Edit ${editing.name}` : 'New rule'}</h3>
        {general && (
          <p className="error-banner" role="alert">
            {general}
          </p>
        )}
        <div className="form-grid">
          <div className="field">
            <label htmlFor="quota-name">Name</label>
            <input id="quota-name" value={form.name} onChange={set('name')} {...invalid('name')} />
            {error('name')}
          </div>
          <div className="field">
            <label htmlFor="quota-who">For whom</label>
            <select id="quota-who" value={form.who} onChange={set('who')} {...invalid('who')}>
              <option value="everyone">Everyone</option>
              <option value="member">One member</option>
              <option value="squad">Each member of a squad</option>
            </select>
            {form.who === 'member' && (
              <>
                <label htmlFor="quota-member">Member</label>
                <select
                  id="quota-member"
                  value={form.memberId}
                  onChange={set('memberId')}
                  {...invalid('who')}
                >
                  <option value="">Choose a member</option>
                  {(members.data ?? []).map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.displayName}
                    </option>
                  ))}
                </select>
              </>
            )}
            {form.who === 'squad' && (
              <>
                <label htmlFor="quota-squad">Squad</label>
                <select id="quota-squad" value={form.squadId} onChange={set('squadId')} {...invalid('who')}>
                  <option value="">Choose a squad</option>
                  {squads.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </>
            )}
            {error('who')}
          </div>
          <div className="field">
            <label htmlFor="quota-where">Where</label>
            <select id="quota-where" value={form.where} onChange={set('where')} {...invalid('where')}>
              <option value="all">Any space</option>
              <option value="space">One space</option>
              <option value="kind">A kind of space</option>
            </select>
            {form.where === 'space' && (
              <>
                <label htmlFor="quota-space">Space</label>
                <select id="quota-space" value={form.spaceId} onChange={set('spaceId')} {...invalid('where')}>
                  <option value="">Choose a space</option>
                  {spaces.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </>
            )}
            {form.where === 'kind' && (
              <>
                <label htmlFor="quota-kind">Kind</label>
                <select id="quota-kind" value={form.spaceKind} onChange={set('spaceKind')}>
                  {kinds.map((k) => (
                    <option key={k} value={k}>
                      {k}
                    </option>
                  ))}
                </select>
              </>
            )}
            {error('where')}
          </div>
          <div className="field">
            <label htmlFor="quota-maximum">At most</label>
            <input
              id="quota-maximum"
              inputMode="decimal"
              value={form.maximum}
              onChange={set('maximum')}
              {...invalid('maximum')}
            />
            {error('maximum')}
          </div>
          <div className="field">
            <label htmlFor="quota-metric">Of</label>
            <select id="quota-metric" value={form.metric} onChange={set('metric')}>
              <option value="hours">hours</option>
              <option value="sessions">sessions</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="quota-period">Per</label>
            <select id="quota-period" value={form.period} onChange={set('period')}>
              <option value="day">day</option>
              <option value="week">week (from Monday)</option>
              <option value="month">month</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="quota-windowStart">Only from (HH:MM, optional)</label>
            <input
              id="quota-windowStart"
              value={form.windowStart}
              onChange={set('windowStart')}
              {...invalid('windowStart')}
            />
            {error('windowStart')}
          </div>
          <div className="field">
            <label htmlFor="quota-windowEnd">Until (HH:MM)</label>
            <input
              id="quota-windowEnd"
              value={form.windowEnd}
              onChange={set('windowEnd')}
              {...invalid('windowEnd')}
            />
            {error('windowEnd')}
          </div>
        </div>
        <label className="check">
          <input type="checkbox" checked={form.countParticipants} onChange={set('countParticipants')} /> Count
          the session for each participant too, not only its organizer
        </label>
        <div className="actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {editing ? 'Save rule' : 'Add rule'}
          </button>
          {editing && (
            <button
              type="button"
              onClick={() => {
                setEditing(null);
                setForm(empty);
                setErrors({});
              }}
            >
              Cancel editing
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
