/** Tokens (admin only): make a read-only or admin token (shown once), list, revoke. */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ErrorNote, RelTime } from '../../components/bits.tsx';
import { useConfirm } from '../../components/confirm.tsx';
import type { TokenInfo } from '../../api/http.ts';
import { useSession } from '../../session.tsx';

export function Tokens() {
  const { api } = useSession();
  const [tokens, setTokens] = useState<TokenInfo[]>([]);
  const [role, setRole] = useState<'read' | 'admin'>('read');
  const [name, setName] = useState('');
  const [made, setMade] = useState<{ token: string; role: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirm, dialog] = useConfirm();

  const load = useCallback(() => api.get<{ tokens: TokenInfo[] }>('/api/v1/tokens').then((r) => setTokens(r.tokens), setError), [api]);
  useEffect(() => void load(), [load]);

  async function create(event: FormEvent) {
    event.preventDefault();
    try {
      const result = await api.post<{ token: string; role: string }>('/api/v1/tokens', { role, ...(name.trim() ? { name: name.trim() } : {}) });
      setMade(result);
      setName('');
      await load();
    } catch (e) {
      setError(e);
    }
  }

  async function revoke(t: TokenInfo) {
    if (!(await confirm(`Revoke token ${t.id}?`, <p>Anything using it ({t.name ?? 'unnamed'}, {t.role}) stops working at once.</p>, 'Revoke'))) return;
    try {
      await api.del(`/api/v1/tokens/${t.id}`);
      await load();
    } catch (e) {
      setError(e);
    }
  }

  const now = Date.now();
  return (
    <section className="section">
      <h2>Tokens</h2>
      <form className="inline-form" onSubmit={create}>
        <select value={role} onChange={(e) => setRole(e.target.value as 'read' | 'admin')} aria-label="Role">
          <option value="read">read-only</option>
          <option value="admin">admin</option>
        </select>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="What is it for? (optional)" aria-label="Token name" maxLength={200} />
        <button type="submit" className="primary">Make token</button>
      </form>
      {made && (
        <div className="notice" role="status">
          New {made.role} token — copy it now, it is not shown again:
          <code className="secret" data-testid="new-token">{made.token}</code>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(made.token)}>Copy</button>
        </div>
      )}
      <ErrorNote error={error} />
      <table>
        <thead><tr><th>ID</th><th>Role</th><th>Name</th><th>Made</th><th /></tr></thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id}>
              <td className="mono">{t.id}</td><td>{t.role}</td><td>{t.name ?? <span className="muted">–</span>}</td>
              <td><RelTime time={t.createdAt} now={now} /></td>
              <td><button type="button" className="link danger-text" onClick={() => void revoke(t)}>revoke</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      {dialog}
    </section>
  );
}
