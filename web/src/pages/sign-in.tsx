/**
 * Signing in: the /sign-in page exchanges the one-time code of a sign-in link (`#code=…`, taken
 * out of the address bar and history first) for a session cookie and goes to the jobs; without
 * a code, or when the code is refused, it asks for a link or code (`trainyard sign-in`).
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/http.ts';
import { codeFrom, exchangeCode, takeCodeFromUrl } from '../api/session.ts';

function refusal(e: unknown): string {
  return e instanceof ApiError ? e.message : `Sign-in failed: ${(e as Error).message}`;
}

/** The /sign-in route: exchanges the link's code at once, else shows the form. */
export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(true);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return; // StrictMode runs effects twice; a code works once
    started.current = true;
    const code = takeCodeFromUrl();
    if (!code) return setBusy(false);
    exchangeCode(code)
      .then(() => onSignedIn())
      .catch((e: unknown) => {
        setError(refusal(e));
        setBusy(false);
      });
  }, [onSignedIn]);
  if (busy) return <div className="page-message muted">Signing in…</div>;
  return <SignIn reason={error} onSignedIn={onSignedIn} />;
}

/** Paste a sign-in link or code; it is exchanged for a session cookie of this browser. */
export function SignIn({ reason, onSignedIn }: { reason: string | null; onSignedIn: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(reason);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const code = codeFrom(text);
    if (!code) {
      setError('Paste the whole link `trainyard sign-in` printed (…/sign-in#code=…), or its 22-character code.');
      return;
    }
    setBusy(true);
    try {
      await exchangeCode(code);
      onSignedIn();
    } catch (e) {
      setError(refusal(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="sign-in">
      <form onSubmit={submit} className="card">
        <h1>Trainyard</h1>
        <p className="muted">
          Open a sign-in link, or paste it here. <code>trainyard sign-in</code> prints one (it works once,
          for 5 minutes); <code>trainyard sign-in --role read</code> one that may look but not act. The
          server prints one when it starts.
        </p>
        <label htmlFor="sign-in-code">Sign-in link or code</label>
        <input id="sign-in-code" name="code" type="password" autoComplete="off" autoFocus value={text}
          onChange={(e) => setText(e.target.value)} placeholder="http://…/sign-in#code=…" spellCheck={false} />
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </div>
  );
}
