/**
 * The pieces every admin section shares: a form card (add or edit), a labelled field with its error,
 * the errors of one form, and the row editor's state (which row is open, what was last said).
 */
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { ApiError, errorText } from './api.ts';

/** Errors of one admin form: the field the API named, or a general message. */
export function useFormErrors() {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const fail = (err: unknown) => {
    if (err instanceof ApiError && err.field) {
      setErrors({ [err.field.split('.')[0]!]: err.problem.detail || err.message });
      setGeneral(null);
    } else {
      setErrors({});
      setGeneral(errorText(err));
    }
  };
  const clear = () => {
    setErrors({});
    setGeneral(null);
  };
  return { errors, general, fail, clear, setFieldErrors: setErrors };
}

/** A whole number typed in a field, or undefined when the text is not one. */
export const wholeNumber = (v: string): number | undefined => (/^\s*\d+\s*$/.test(v) ? Number(v) : undefined);

export function Field({
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

/**
 * One admin form card: a heading, the general error, the fields, and its buttons. An editor (given
 * onCancel) takes the focus into its first field when it opens and offers Cancel beside Save.
 */
export function AdminForm({
  id,
  title,
  general,
  submitLabel,
  onSubmit,
  onCancel,
  busy = false,
  status,
  banner,
  children,
}: {
  id: string;
  title: string;
  general: string | null;
  submitLabel: string;
  onSubmit: () => Promise<void>;
  onCancel?: () => void;
  busy?: boolean;
  /** What the last add said (an editor reports to its section instead). */
  status?: string;
  /** A message above the general error, such as a stale-version refusal. */
  banner?: ReactNode;
  children: ReactNode;
}) {
  const form = useRef<HTMLFormElement>(null);
  const editor = onCancel !== undefined;
  useEffect(() => {
    if (editor) form.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, [editor]);
  return (
    <form
      ref={form}
      className="card admin-form"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void onSubmit();
      }}
      noValidate
      aria-labelledby={id}
    >
      <h3 id={id}>{title}</h3>
      {banner}
      {general && (
        <p className="error-banner" role="alert">
          {general}
        </p>
      )}
      {children}
      <div className="actions">
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
      {status !== undefined && <p role="status">{status}</p>}
    </form>
  );
}

/**
 * Which row of a table is being edited and what the section last said. Closing the editor puts the
 * focus back on that row's Edit button, so keyboard users keep their place.
 */
export function useRowEditor<T>(idOf: (row: T) => string) {
  const [editing, setEditing] = useState<T | null>(null);
  const [status, setStatus] = useState('');
  return {
    editing,
    /** Hidden while an editor is open, so it does not speak over the form. */
    status: editing ? '' : status,
    setStatus,
    open: (row: T) => {
      setStatus('');
      setEditing(row);
    },
    close: (msg: string) => {
      setStatus(msg);
      if (editing) focusEditButton(idOf(editing));
      setEditing(null);
    },
  };
}

function focusEditButton(id: string) {
  window.requestAnimationFrame(() =>
    document.querySelector<HTMLButtonElement>(`button[data-edit="${CSS.escape(id)}"]`)?.focus(),
  );
}

/** A row's Edit button; the row editor finds it again by data-edit. */
export function EditButton({ id, name, onClick }: { id: string; name: string; onClick: () => void }) {
  return (
    <button type="button" aria-label={`Edit ${name}`} data-edit={id} onClick={onClick}>
      Edit
    </button>
  );
}
