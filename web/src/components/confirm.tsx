/**
 * A modal confirmation on the native <dialog>: Enter confirms, Escape cancels, focus is kept
 * inside. `useConfirm()` returns an async `confirm(message)` and the element to render;
 * `useReasonDialog()` also asks why, for actions whose reason is recorded.
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

interface PendingReason {
  readonly title: string;
  readonly body: ReactNode;
  readonly action: string;
  readonly resolve: (reason: string | null) => void;
}

/**
 * A confirmation that asks why (kept in the record: an override, a rollback): `ask(title, body,
 * action)` resolves with the trimmed reason, or null when cancelled. The action stays disabled
 * until a reason is typed.
 */
export function useReasonDialog(): [(title: string, body: ReactNode, action: string) => Promise<string | null>, ReactNode] {
  const [pending, setPending] = useState<PendingReason | null>(null);
  const ask = useCallback((title: string, body: ReactNode, action: string) =>
    new Promise<string | null>((resolve) => setPending({ title, body, action, resolve })), []);
  const close = (reason: string | null) => {
    pending?.resolve(reason);
    setPending(null);
  };
  const element = pending ? <ReasonDialog pending={pending} onClose={close} /> : null;
  return [ask, element];
}

function ReasonDialog({ pending, onClose }: { pending: PendingReason; onClose: (reason: string | null) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  useEffect(() => ref.current?.showModal(), []);
  const ok = reason.trim().length > 0;
  return (
    <dialog ref={ref} className="dialog" onCancel={(e) => { e.preventDefault(); onClose(null); }} aria-labelledby="reason-title">
      <form method="dialog" onSubmit={(e) => { e.preventDefault(); if (ok) onClose(reason.trim()); }}>
        <h3 id="reason-title">{pending.title}</h3>
        <div className="dialog-body">{pending.body}</div>
        <label className="reason-field">Why (kept in the record)
          <textarea autoFocus rows={3} value={reason} maxLength={2000} onChange={(e) => setReason(e.target.value)} aria-label="Reason" />
        </label>
        <div className="dialog-actions">
          <button type="button" onClick={() => onClose(null)}>Cancel</button>
          <button type="submit" className="danger" disabled={!ok}>{pending.action}</button>
        </div>
      </form>
    </dialog>
  );
}
