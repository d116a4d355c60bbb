/** Settings: theme, this browser's session, and (admin) the tokens people and tools use. */
import { ErrorNote, Segmented } from '../../components/bits.tsx';
import { useSession } from '../../session.tsx';
import { setTheme, useTheme } from '../../theme.ts';
import { Tokens } from './tokens.tsx';

export function SettingsPage() {
  const { who, signOut, caps } = useSession();
  const theme = useTheme();
  return (
    <div className="page settings-page">
      <div className="page-head"><h1>Settings</h1></div>
      <section className="section">
        <h2>Appearance</h2>
        <Segmented label="Theme" value={theme} options={[['dark', 'Dark'], ['light', 'Light']]} onChange={setTheme} />
      </section>
      <section className="section">
        <h2>This browser</h2>
        <p>Signed in as <b>{who.role}</b>{who.role === 'read' ? ': you can look at everything but change nothing' : ''}.</p>
        <button type="button" onClick={() => void signOut()}>Sign out</button>
      </section>
      {who.role === 'admin' && caps.tokens && <Tokens />}
      {who.role === 'admin' && !caps.tokens && <ErrorNote error="This server has no token routes." />}
    </div>
  );
}
