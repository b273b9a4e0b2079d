// A confirmation that says what will stop working, with the action's own name on the button.
import { useState, type ReactNode } from 'react';
import { Dialog } from './Dialog';
import { ErrorMessage } from './common';

export function ConfirmDialog({
  title,
  confirmLabel,
  children,
  onConfirm,
  onClose,
  danger = true,
  disabled = false,
}: {
  title: string;
  confirmLabel: string;
  children: ReactNode;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
  danger?: boolean;
  disabled?: boolean;
}) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog title={title} onClose={onClose}>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setPending(true);
          setError(null);
          try {
            await onConfirm();
          } catch (caught) {
            setError(caught);
            setPending(false);
          }
        }}
      >
        <div className="dialog-body">{children}</div>
        <ErrorMessage error={error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={danger ? 'button button-danger' : 'button button-primary'} disabled={pending || disabled}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
