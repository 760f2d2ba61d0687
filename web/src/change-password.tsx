import { type FormEvent, useState } from 'react';
import { ApiError, client, must } from './api.ts';

/**
 * Change my password: the current one and a new one (at least 12 characters, not a common one).
 * `forced` is the screen shown after an admin reset the password: nothing else works until then.
 */
export function ChangePassword({ forced = false, onDone }: { forced?: boolean; onDone?: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<{ field?: string; text: string } | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      await must(
        client.POST('/api/v1/me/password', { body: { currentPassword: current, newPassword: next } }),
      );
      setCurrent('');
      setNext('');
      setStatus('Password changed. Your other sessions and tokens were signed out.');
      onDone?.();
    } catch (err) {
      setError(
        err instanceof ApiError
          ? { ...(err.field ? { field: err.field } : {}), text: err.problem.detail ?? err.message }
          : { text: String(err) },
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="card admin-form"
      onSubmit={(e) => void submit(e)}
      aria-labelledby="change-password"
      noValidate
    >
      <h2 id="change-password">{forced ? 'Set a new password' : 'Password'}</h2>
      {forced && <p>An admin reset your password. Choose your own to continue.</p>}
      {error && !error.field && (
        <p className="error-banner" role="alert">
          {error.text}
        </p>
      )}
      <label htmlFor="pw-current">{forced ? 'Temporary password' : 'Current password'}</label>
      <input
        id="pw-current"
        type="password"
        autoComplete="current-password"
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
        aria-invalid={error?.field === 'currentPassword' ? true : undefined}
        aria-describedby={error?.field === 'currentPassword' ? 'pw-current-error' : undefined}
      />
      {error?.field === 'currentPassword' && (
        <p id="pw-current-error" className="field-error" role="alert">
          {error.text}
        </p>
      )}
      <label htmlFor="pw-new">New password</label>
      <input
        id="pw-new"
        type="password"
        autoComplete="new-password"
        value={next}
        onChange={(e) => setNext(e.target.value)}
        aria-invalid={error?.field === 'newPassword' ? true : undefined}
        aria-describedby={error?.field === 'newPassword' ? 'pw-new-error pw-new-hint' : 'pw-new-hint'}
      />
      <p id="pw-new-hint" className="muted small">
        At least 12 characters, and not a common password.
      </p>
      {error?.field === 'newPassword' && (
        <p id="pw-new-error" className="field-error" role="alert">
          {error.text}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !current || !next}>
          Change password
        </button>
      </div>
      <p role="status" className="notice">
        {status}
      </p>
    </form>
  );
}
