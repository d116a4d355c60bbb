/** Paste a token; it is checked against the server and kept in this browser. */
import { useState, type FormEvent } from 'react';
import { ApiError, createApi, type WhoAmI } from '../api/http.ts';
import { isWellFormedToken, saveToken } from '../api/session.ts';

export function SignIn({ reason, onSignedIn }: { reason: string | null; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(reason);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = token.trim();
    if (!isWellFormedToken(value)) {
      setError('A token looks like ty_<16 hex digits>_<43 characters>.');
      return;
    }
    setBusy(true);
    try {
      await createApi(value).get<WhoAmI>('/api/v1/whoami');
      saveToken(value);
      onSignedIn(value);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'The server does not know that token.' : `Sign-in failed: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="sign-in">
      <form onSubmit={submit} className="card">
        <h1>Trainyard</h1>
        <p className="muted">
          Paste a token. The admin token is in the data directory&rsquo;s <code>admin-token</code> file;
          a read-only one comes from <code>trainyard token create --role read</code>.
        </p>
        <label htmlFor="token">Token</label>
        <input id="token" name="token" type="password" autoComplete="off" autoFocus value={token}
          onChange={(e) => setToken(e.target.value)} placeholder="ty_…" spellCheck={false} />
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
      </form>
    </div>
  );
}
