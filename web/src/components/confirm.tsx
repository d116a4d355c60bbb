/**
 * A modal confirmation on the native <dialog>: Enter confirms, Escape cancels, focus is kept
 * inside. `useConfirm()` returns an async `confirm(message)` and the element to render.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';

interface Pending {
  readonly title: string;
  readonly body: ReactNode;
  readonly action: string;
  readonly resolve: (ok: boolean) => void;
}

export function useConfirm(): [(title: string, body: ReactNode, action?: string) => Promise<boolean>, ReactNode] {
  const [pending, setPending] = useState<Pending | null>(null);
  const confirm = useCallback((title: string, body: ReactNode, action = 'Confirm') =>
    new Promise<boolean>((resolve) => setPending({ title, body, action, resolve })), []);
  const close = (ok: boolean) => {
    pending?.resolve(ok);
    setPending(null);
  };
  const element = pending ? <ConfirmDialog pending={pending} onClose={close} /> : null;
  return [confirm, element];
}

function ConfirmDialog({ pending, onClose }: { pending: Pending; onClose: (ok: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    ref.current?.showModal();
    confirmRef.current?.focus();
  }, []);
  return (
    <dialog ref={ref} className="dialog" onCancel={(e) => { e.preventDefault(); onClose(false); }} aria-labelledby="confirm-title">
      <h3 id="confirm-title">{pending.title}</h3>
      <div className="dialog-body">{pending.body}</div>
      <div className="dialog-actions">
        <button type="button" onClick={() => onClose(false)}>Cancel</button>
        <button type="button" ref={confirmRef} className="danger" onClick={() => onClose(true)}>{pending.action}</button>
      </div>
    </dialog>
  );
}
