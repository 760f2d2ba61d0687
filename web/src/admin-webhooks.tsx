import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { type Answer, ApiError, client, errorText, ifMatch, must } from './api.ts';
import { ListState } from './list-state.tsx';
import { keys } from './queries.ts';
import { useSession } from './session.tsx';

type Endpoint = Answer<'/api/v1/webhooks', 'get'>['items'][number];
type Delivery = Answer<'/api/v1/webhooks/{id}/deliveries', 'get'>['items'][number];
type EventType = Answer<'/api/v1/webhooks/event-types', 'get'>['items'][number];

const endpointsQuery = {
  queryKey: keys.webhooks,
  queryFn: () => must(client.GET('/api/v1/webhooks')),
};
const eventTypesQuery = {
  queryKey: [...keys.webhooks, 'event-types'],
  queryFn: () => must(client.GET('/api/v1/webhooks/event-types')),
  staleTime: Number.POSITIVE_INFINITY,
};

/** An instant as the site's clock shows it. */
const when = (iso: string | null, zone: string) =>
  iso
    ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium', timeZone: zone })
    : '—';

/** A refusal of the form: the field the server named ("url", "eventTypes"), else the whole form. */
function useErrors() {
  const [field, setField] = useState<{ name: string; text: string } | null>(null);
  const [general, setGeneral] = useState<string | null>(null);
  return {
    field,
    general,
    fail(err: unknown) {
      const name = err instanceof ApiError ? err.field?.split('.')[0] : undefined;
      if (name === 'url' || name === 'eventTypes' || name === 'description') {
        setField({ name, text: errorText(err) });
        setGeneral(null);
      } else {
        setField(null);
        setGeneral(errorText(err));
      }
    },
    clear() {
      setField(null);
      setGeneral(null);
    },
  };
}

/** URL, description and event types: the same fields when registering and when editing. */
function EndpointFields({
  prefix,
  url,
  description,
  types,
  onChange,
  errors,
}: {
  prefix: string;
  url: string;
  description: string;
  types: string[];
  onChange: (p: { url?: string; description?: string; types?: string[] }) => void;
  errors: ReturnType<typeof useErrors>;
}) {
  const known = useQuery(eventTypesQuery);
  const err = (name: string) => (errors.field?.name === name ? errors.field.text : undefined);
  const aria = (name: string) =>
    err(name) ? { 'aria-invalid': true as const, 'aria-describedby': `${prefix}-${name}-error` } : {};
  return (
    <>
      <div className="field">
        <label htmlFor={`${prefix}-url`}>Receiver URL</label>
        <input
          id={`${prefix}-url`}
          type="url"
          className="hook-url"
          required
          placeholder="https://galley.example/hooks/shipshape"
          value={url}
          onChange={(e) => onChange({ url: e.target.value })}
          {...aria('url')}
        />
        {err('url') && (
          <p id={`${prefix}-url-error`} className="field-error">
            {err('url')}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-description`}>What it is for (optional)</label>
        <input
          id={`${prefix}-description`}
          maxLength={200}
          value={description}
          onChange={(e) => onChange({ description: e.target.value })}
          {...aria('description')}
        />
        {err('description') && (
          <p id={`${prefix}-description-error`} className="field-error">
            {err('description')}
          </p>
        )}
      </div>
      <fieldset {...aria('eventTypes')}>
        <legend>Events to send (none ticked: all of them)</legend>
        {known.isError && <p className="error-banner">{errorText(known.error)}</p>}
        {(known.data?.items ?? []).map((t: EventType) => {
          const id = `${prefix}-type-${t.type.replace(/\W/g, '-')}`;
          return (
            <label key={t.type} className="check" htmlFor={id}>
              <input
                id={id}
                type="checkbox"
                checked={types.includes(t.type)}
                onChange={(e) =>
                  onChange({
                    types: e.target.checked ? [...types, t.type] : types.filter((x) => x !== t.type),
                  })
                }
              />{' '}
              {t.description} <span className="muted small">({t.type})</span>
            </label>
          );
        })}
        {err('eventTypes') && (
          <p id={`${prefix}-eventTypes-error`} className="field-error">
            {err('eventTypes')}
          </p>
        )}
      </fieldset>
    </>
  );
}

/** The signing secret of a new endpoint, shown only now. */
function NewSecret({ url, secret, onDone }: { url: string; secret: string; onDone: () => void }) {
  const box = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState('');
  useEffect(() => {
    box.current?.focus();
    box.current?.select();
  }, []);
  return (
    <section className="card hook-secret" aria-labelledby="hook-secret-title">
      <h3 id="hook-secret-title">Signing secret for {url}</h3>
      <p>
        Shown only now. The receiver uses it to check the webhook-signature header of every message (Standard
        Webhooks); give it to whoever runs the receiver.
      </p>
      <div className="field">
        <label htmlFor="hook-secret">Signing secret</label>
        <input id="hook-secret" ref={box} readOnly value={secret} onFocus={(e) => e.target.select()} />
      </div>
      <div className="actions wrap">
        <button
          type="button"
          className="primary"
          onClick={() =>
            navigator.clipboard.writeText(secret).then(
              () => setCopied('Copied.'),
              () => setCopied('Select the secret and copy it (the browser did not allow copying).'),
            )
          }
        >
          Copy secret
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      <p role="status" className="notice">
        {copied}
      </p>
    </section>
  );
}

const statusWords: Record<string, string> = {
  pending: 'Waiting to be sent',
  delivered: 'Delivered',
  failed: 'Gave up',
};

/** The delivery log of one endpoint, newest first, with "Send again". */
function Deliveries({ endpoint }: { endpoint: Endpoint }) {
  const qc = useQueryClient();
  const zone = useSession().site.timeZone;
  const key = [...keys.webhooks, endpoint.id, 'deliveries'];
  const log = useQuery({
    queryKey: key,
    queryFn: () =>
      must(
        client.GET('/api/v1/webhooks/{id}/deliveries', {
          params: { path: { id: endpoint.id }, query: { limit: 50 } },
        }),
      ),
    refetchInterval: 5000,
  });
  const [status, setStatus] = useState('');

  async function resend(d: Delivery) {
    setStatus('');
    try {
      await must(
        client.POST('/api/v1/webhooks/{id}/deliveries/{deliveryId}/resend', {
          params: { path: { id: endpoint.id, deliveryId: d.id } },
        }),
      );
      setStatus(`${d.eventType} will be sent again now.`);
      await qc.invalidateQueries({ queryKey: key });
    } catch (err) {
      setStatus(errorText(err));
    }
  }

  const items = log.data?.items ?? [];
  return (
    <section aria-labelledby={`log-${endpoint.id}`} className="hook-log">
      <h4 id={`log-${endpoint.id}`}>Deliveries to {endpoint.url}</h4>
      <div className="actions">
        <button type="button" onClick={() => void log.refetch()}>
          Refresh
        </button>
      </div>
      <p role="status" className="notice">
        {status}
      </p>
      <ListState query={log} count={items.length} empty="Nothing sent yet.">
        {() => (
          <div className="table-wrap">
            <table>
              <caption className="muted small">The newest 50 messages</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Answer</th>
                  <th scope="col">Response time</th>
                  <th scope="col">Next try</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <tr key={d.id}>
                    <td>
                      {d.eventType}
                      <br />
                      <span className="muted small">{when(d.eventAt, zone)}</span>
                    </td>
                    <td>{statusWords[d.status] ?? d.status}</td>
                    <td>{d.attempts}</td>
                    <td>
                      {d.lastStatus !== null
                        ? `HTTP ${d.lastStatus}`
                        : (d.lastError ?? (d.attempts ? '' : '—'))}
                    </td>
                    <td>{d.lastResponseMs !== null ? `${d.lastResponseMs} ms` : '—'}</td>
                    <td>{d.status === 'pending' ? when(d.nextAttemptAt, zone) : '—'}</td>
                    <td>
                      <button
                        type="button"
                        aria-label={`Send again: ${d.eventType} of ${when(d.eventAt, zone)}`}
                        onClick={() => void resend(d)}
                      >
                        Send again
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ListState>
    </section>
  );
}

/** One endpoint: its state (and why it is off), turn on/off, edit, delete, its deliveries. */
function EndpointItem({ endpoint, onChanged }: { endpoint: Endpoint; onChanged: (text: string) => void }) {
  const [editing, setEditing] = useState(false);
  const [showLog, setShowLog] = useState(false);
  const [form, setForm] = useState({
    url: endpoint.url,
    description: endpoint.description,
    types: endpoint.eventTypes,
  });
  const errors = useErrors();
  const editButton = useRef<HTMLButtonElement>(null);

  async function patch(body: {
    url?: string;
    description?: string;
    eventTypes?: string[];
    enabled?: boolean;
  }) {
    return must(
      client.PATCH('/api/v1/webhooks/{id}', {
        params: { path: { id: endpoint.id }, header: ifMatch(endpoint.version) },
        body,
      }),
    );
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    errors.clear();
    try {
      await patch({ url: form.url, description: form.description, eventTypes: form.types });
      setEditing(false);
      onChanged(`Saved ${form.url}.`);
      window.requestAnimationFrame(() => editButton.current?.focus());
    } catch (err) {
      errors.fail(err);
    }
  }

  async function toggle() {
    try {
      await patch({ enabled: !endpoint.enabled });
      onChanged(endpoint.enabled ? `Turned off ${endpoint.url}.` : `Turned on ${endpoint.url}.`);
    } catch (err) {
      onChanged(errorText(err));
    }
  }

  async function remove() {
    if (!window.confirm(`Delete the endpoint ${endpoint.url} and its delivery log? It gets nothing more.`))
      return;
    try {
      await must(client.DELETE('/api/v1/webhooks/{id}', { params: { path: { id: endpoint.id } } }));
      onChanged(`Deleted ${endpoint.url}.`);
    } catch (err) {
      onChanged(errorText(err));
    }
  }

  return (
    <li>
      <div>
        <code>{endpoint.url}</code>
        {endpoint.description && <p>{endpoint.description}</p>}
        <p className="muted small">
          {endpoint.eventTypes.length ? endpoint.eventTypes.join(', ') : 'All booking and series events'}
        </p>
        <p className={endpoint.enabled ? 'small' : 'small field-error'}>
          {endpoint.enabled ? 'On' : `Off: ${endpoint.disabledReason ?? 'turned off'}`}
        </p>
      </div>
      <div className="actions wrap">
        <button
          type="button"
          aria-label={`${endpoint.enabled ? 'Turn off' : 'Turn on'} ${endpoint.url}`}
          onClick={() => void toggle()}
        >
          {endpoint.enabled ? 'Turn off' : 'Turn on'}
        </button>
        <button
          type="button"
          ref={editButton}
          aria-expanded={editing}
          aria-label={`Edit ${endpoint.url}`}
          onClick={() => {
            if (!editing)
              setForm({ url: endpoint.url, description: endpoint.description, types: endpoint.eventTypes });
            setEditing(!editing);
          }}
        >
          Edit
        </button>
        <button
          type="button"
          aria-expanded={showLog}
          aria-label={`Deliveries to ${endpoint.url}`}
          onClick={() => setShowLog(!showLog)}
        >
          Deliveries
        </button>
        <button
          type="button"
          className="danger"
          aria-label={`Delete ${endpoint.url}`}
          onClick={() => void remove()}
        >
          Delete
        </button>
      </div>
      {editing && (
        <form className="hook-edit" onSubmit={(e) => void save(e)} aria-label={`Edit ${endpoint.url}`}>
          {errors.general && (
            <p className="error-banner" role="alert">
              {errors.general}
            </p>
          )}
          <EndpointFields
            prefix={`edit-${endpoint.id}`}
            url={form.url}
            description={form.description}
            types={form.types}
            onChange={(p) =>
              setForm({
                url: p.url ?? form.url,
                description: p.description ?? form.description,
                types: p.types ?? form.types,
              })
            }
            errors={errors}
          />
          <div className="actions">
            <button type="submit" className="primary">
              Save
            </button>
            <button
              type="button"
              onClick={() => {
                setEditing(false);
                errors.clear();
                window.requestAnimationFrame(() => editButton.current?.focus());
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      {showLog && <Deliveries endpoint={endpoint} />}
    </li>
  );
}

/** Admin → Webhooks: register endpoints other systems listen on, and watch what was sent to them. */
export function WebhooksAdmin() {
  const qc = useQueryClient();
  const endpoints = useQuery(endpointsQuery);
  const [form, setForm] = useState({ url: '', description: '', types: [] as string[] });
  const [made, setMade] = useState<{ url: string; secret: string } | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const errors = useErrors();
  const registerButton = useRef<HTMLButtonElement>(null);
  const reload = () => qc.invalidateQueries({ queryKey: keys.webhooks });

  async function register(e: FormEvent) {
    e.preventDefault();
    errors.clear();
    setStatus('');
    setBusy(true);
    try {
      const r = await must(
        client.POST('/api/v1/webhooks', {
          body: {
            url: form.url.trim(),
            eventTypes: form.types,
            ...(form.description.trim() ? { description: form.description.trim() } : {}),
          },
        }),
      );
      setMade({ url: r.endpoint.url, secret: r.secret });
      setForm({ url: '', description: '', types: [] });
      await reload();
    } catch (err) {
      errors.fail(err);
    } finally {
      setBusy(false);
    }
  }

  const items = endpoints.data?.items ?? [];
  return (
    <section aria-labelledby="hooks-title">
      <h2 id="hooks-title">Webhooks</h2>
      <p className="muted small">
        Other systems (the galley, the duty roster) hear of bookings as they happen: each event is sent to
        their URL, signed, and retried for about a day if they are away.
      </p>
      {made && (
        <NewSecret
          url={made.url}
          secret={made.secret}
          onDone={() => {
            setMade(null);
            registerButton.current?.focus();
          }}
        />
      )}
      <form className="card admin-form" onSubmit={(e) => void register(e)} aria-labelledby="hook-new-title">
        <h3 id="hook-new-title">Register an endpoint</h3>
        {errors.general && (
          <p className="error-banner" role="alert">
            {errors.general}
          </p>
        )}
        <EndpointFields
          prefix="hook-new"
          url={form.url}
          description={form.description}
          types={form.types}
          onChange={(p) =>
            setForm({
              url: p.url ?? form.url,
              description: p.description ?? form.description,
              types: p.types ?? form.types,
            })
          }
          errors={errors}
        />
        <div className="actions">
          <button ref={registerButton} type="submit" className="primary" disabled={busy}>
            Register endpoint
          </button>
        </div>
      </form>
      <p role="status" className="notice">
        {status}
      </p>
      <h3>Endpoints</h3>
      <ListState query={endpoints} count={items.length} empty="No endpoints yet.">
        {() => (
          <ul className="hook-list">
            {items.map((ep) => (
              <EndpointItem
                key={ep.id}
                endpoint={ep}
                onChanged={(text) => {
                  setStatus(text);
                  void reload();
                }}
              />
            ))}
          </ul>
        )}
      </ListState>
    </section>
  );
}
