// A destructive action asks once more in place, instead of a modal.
import { useEffect, useRef, useState } from 'react';

export function ConfirmButton({
  label,
  confirm,
  onConfirm,
  disabled,
  tone = 'danger',
  yesLabel,
  title,
}: {
  label: string;
  confirm: string;
  onConfirm: () => void;
  disabled?: boolean;
  /** primary: a weighty action that is not destruction (Merge); danger: it deletes. */
  tone?: 'danger' | 'primary';
  yesLabel?: string;
  title?: string;
}) {
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) yes.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className={`btn btn-small ${tone === 'primary' ? 'btn-primary' : 'btn-danger-quiet'}`} onClick={() => setAsking(true)} disabled={disabled} title={title}>
        {label}
      </button>
    );
  }
  return (
    <span className={`confirm confirm-${tone}`} onKeyDown={(e) => e.key === 'Escape' && setAsking(false)}>
      <span className="confirm-text">{confirm}</span>
      <button
        ref={yes}
        type="button"
        className={`btn btn-small ${tone === 'primary' ? 'btn-primary' : 'btn-danger'}`}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {yesLabel ?? `Yes, ${label.toLowerCase()}`}
      </button>
      <button type="button" className="btn btn-small" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}
