// A labelled form control with its error right under it (errors name the field they are about).
import { useId, type ReactNode } from 'react';

export function Field({
  label,
  error,
  warning,
  hint,
  children,
  wide,
}: {
  label: string;
  error?: string | null;
  /** What a check found as the person types (with its fix): shown until an error takes its place. */
  warning?: string | null;
  hint?: ReactNode;
  wide?: boolean;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const warningId = `${id}-warning`;
  const describedBy = error ? errorId : warning ? warningId : null;
  return (
    <div className={`field${wide ? ' field-wide' : ''}${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': !!error, ...(describedBy ? { 'aria-describedby': describedBy } : {}) })}
      {error ? (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      ) : warning ? (
        <p className="field-warning" id={warningId} role="status">
          {warning}
        </p>
      ) : (
        hint && <p className="field-hint">{hint}</p>
      )}
    </div>
  );
}

/** An error that belongs to no particular field. */
export function FormError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}
