// The one time a secret is on screen: a read-only field, Copy, and Done, which
// takes the plaintext out of the page (the caller drops it from state).
import { useRef, useState } from 'react';
import { Dialog } from './Dialog';

export function CopyOnceDialog({
  title = 'Copy your token',
  label = 'Token',
  value,
  warning = 'Make sure to copy it now: it will not be shown again.',
  onDone,
}: {
  title?: string;
  label?: string;
  value: string;
  warning?: string;
  onDone: () => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No clipboard permission: select it so Ctrl+C works.
      input.current?.select();
      document.execCommand('copy');
    }
    setCopied(true);
  }
  return (
    <Dialog title={title} onClose={onDone} wide>
      <p className="warning">{warning}</p>
      <label className="field">
        <span>{label}</span>
        <div className="copy-row">
          <input ref={input} className="mono" readOnly value={value} onFocus={(event) => event.currentTarget.select()} spellCheck={false} autoComplete="off" />
          <button type="button" className="button" onClick={() => void copy()}>
            Copy
          </button>
        </div>
      </label>
      <p role="status" className="muted copy-status">
        {copied ? 'Copied to the clipboard.' : ''}
      </p>
      <div className="dialog-actions">
        <button type="button" className="button button-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
