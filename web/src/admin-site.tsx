import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, type Body, client, errorText, must } from './api.ts';
import { keys } from './queries.ts';
import { useSession } from './session.tsx';

type SitePatch = Body<'/api/v1/site', 'patch'>;
type FieldName =
  | 'name'
  | 'timeZone'
  | 'quietStart'
  | 'quietEnd'
  | 'horizonDays'
  | 'adjacencyMinutes'
  | 'headsUpMinutes';

/** What to say when a field is refused, in words (the server's own words name schema paths). */
const words: Record<FieldName, string> = {
  name: "Enter the site's name",
  timeZone: 'Choose a time zone such as Europe/Berlin or Australia/Adelaide',
  quietStart: 'Enter the start of quiet hours as HH:MM, or leave both empty',
  quietEnd: 'Enter the end of quiet hours as HH:MM, or leave both empty',
  horizonDays: 'Enter a whole number of days',
  adjacencyMinutes: 'Enter a whole number of minutes',
  headsUpMinutes: 'Enter a whole number of minutes',
};

const isZone = (z: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: z });
    return z.includes('/') || z === 'UTC';
  } catch {
    return false;
  }
};
const whole = (v: string) => (/^\s*\d+\s*$/.test(v) ? Number(v) : undefined);
const clock = (v: string) => /^([01]\d|2[0-3]):[0-5]\d$/.test(v);

/** Site settings: name, zone, quiet hours, booking horizon, adjacency window and heads-up. */
export function SiteSettings() {
  const { site } = useSession();
  const qc = useQueryClient();
  const [form, setForm] = useState({
    name: site.name,
    timeZone: site.timeZone,
    quietStart: site.quietHours?.start ?? '',
    quietEnd: site.quietHours?.end ?? '',
    horizonDays: String(site.horizonDays),
    adjacencyMinutes: String(site.adjacencyMinutes),
    headsUpMinutes: String(site.headsUpMinutes),
  });
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k: FieldName) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    setStatus('');
    setGeneral(null);
    const found: Partial<Record<FieldName, string>> = {};
    if (!form.name.trim()) found.name = words.name;
    if (!isZone(form.timeZone.trim())) found.timeZone = words.timeZone;
    const quiet = form.quietStart || form.quietEnd;
    if (quiet && !clock(form.quietStart)) found.quietStart = words.quietStart;
    if (quiet && !clock(form.quietEnd)) found.quietEnd = words.quietEnd;
    const horizonDays = whole(form.horizonDays);
    const adjacencyMinutes = whole(form.adjacencyMinutes);
    const headsUpMinutes = whole(form.headsUpMinutes);
    if (horizonDays === undefined) found.horizonDays = words.horizonDays;
    if (adjacencyMinutes === undefined) found.adjacencyMinutes = words.adjacencyMinutes;
    if (headsUpMinutes === undefined) found.headsUpMinutes = words.headsUpMinutes;
    setErrors(found);
    if (Object.keys(found).length) return;
    const body: SitePatch = {
      name: form.name.trim(),
      timeZone: form.timeZone.trim(),
      quietHours: quiet ? { start: form.quietStart, end: form.quietEnd } : null,
      ...(horizonDays !== undefined ? { horizonDays } : {}),
      ...(adjacencyMinutes !== undefined ? { adjacencyMinutes } : {}),
      ...(headsUpMinutes !== undefined ? { headsUpMinutes } : {}),
    };
    setBusy(true);
    try {
      await must(client.PATCH('/api/v1/site', { body }));
      await qc.invalidateQueries({ queryKey: keys.site });
      setStatus('Saved.');
    } catch (err) {
      // A refusal names its field as a schema path; say it in this form's words instead.
      const field = err instanceof ApiError ? (err.field?.split('.')[0] as FieldName | undefined) : undefined;
      const mapped: FieldName | undefined =
        field === ('quietHours' as string) ? 'quietStart' : field && field in words ? field : undefined;
      if (mapped) setErrors({ [mapped]: words[mapped] });
      else setGeneral(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const field = (k: FieldName, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`site-${k}`}>{label}</label>
      <input
        id={`site-${k}`}
        type={type}
        value={form[k]}
        onChange={set(k)}
        aria-invalid={errors[k] ? true : undefined}
        aria-describedby={errors[k] ? `site-${k}-error` : undefined}
      />
      {errors[k] && (
        <p id={`site-${k}-error`} className="field-error">
          {errors[k]}
        </p>
      )}
    </div>
  );

  return (
    <section aria-labelledby="admin-site">
      <h2 id="admin-site">Site</h2>
      <form
        className="card admin-form"
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-labelledby="admin-site"
      >
        {general && (
          <p className="error-banner" role="alert">
            {general}
          </p>
        )}
        <div className="form-grid">
          {field('name', 'Name')}
          {field('timeZone', 'Time zone (IANA, e.g. Europe/Berlin)')}
          {field('quietStart', 'Quiet hours start (HH:MM)')}
          {field('quietEnd', 'Quiet hours end (HH:MM)')}
          {field('horizonDays', 'Members may book this many days ahead')}
          {field('adjacencyMinutes', 'Tell neighbours of bookings within (minutes)')}
          {field('headsUpMinutes', 'Heads-up before a session ends (minutes)')}
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save site
          </button>
        </div>
        <p role="status">{status}</p>
      </form>
    </section>
  );
}
