/** The shell: sign-in or a session; navigation; one page per route. */
import { Suspense, useCallback, useEffect, useState } from 'react';
import { SIGN_IN_PATH } from './api/session.ts';
import { ConnectionDot } from './components/connection-dot.tsx';
import { JobsPage } from './pages/jobs/jobs-page.tsx';
import { SignIn, SignInPage } from './pages/sign-in.tsx';
import { Link, match, navigate, useLocation } from './router.tsx';
import { auditPage, automationsPage, comparePage, curriculumPage, datasetsPage, deploymentsPage, inboxPage, jobPage, modelsPage, settingsPage, studiesPage, timelinePage } from './routes.tsx';
import { SessionProvider, useSession } from './session.tsx';

const JobPage = jobPage.Page;
const ComparePage = comparePage.Page;
const TimelinePage = timelinePage.Page;
const DatasetsPage = datasetsPage.Page;
const ModelsPage = modelsPage.Page;
const DeploymentsPage = deploymentsPage.Page;
const InboxPage = inboxPage.Page;
const AutomationsPage = automationsPage.Page;
const CurriculumPage = curriculumPage.Page;
const SettingsPage = settingsPage.Page;
const StudiesPage = studiesPage.Page;
const AuditPage = auditPage.Page;

export function App() {
  const { path } = useLocation();
  // Signed out: the sign-in form; else a session is tried (the cookie, if any, says who).
  const [signedOut, setSignedOut] = useState(false);
  const [reason, setReason] = useState<string | null>(null);
  const signOut = useCallback((why?: string) => {
    setReason(why ?? null);
    setSignedOut(true);
  }, []);
  const signedIn = useCallback(() => {
    setReason(null);
    setSignedOut(false);
    if (window.location.pathname === SIGN_IN_PATH) navigate('/', { replace: true });
  }, []);
  if (path === SIGN_IN_PATH) return <SignInPage onSignedIn={signedIn} />;
  if (signedOut) return <SignIn reason={reason} onSignedIn={signedIn} />;
  return (
    <SessionProvider onSignOut={signOut}>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const { caps, who, signOut } = useSession();
  const { path } = useLocation();
  const nav: Array<[string, string, boolean]> = [
    ['/', 'Jobs', path === '/' || path.startsWith('/jobs')],
    ['/compare', 'Compare', path.startsWith('/compare')],
    ['/timeline', 'Timeline', path.startsWith('/timeline')],
    ...(caps.datasets ? ([['/datasets', 'Datasets', path.startsWith('/datasets')]] as Array<[string, string, boolean]>) : []),
    ...(caps.models ? ([['/models', 'Models', path.startsWith('/models')]] as Array<[string, string, boolean]>) : []),
    ...(caps.deployments ? ([['/deployments', 'Deployments', path.startsWith('/deployments')]] as Array<[string, string, boolean]>) : []),
    ...(caps.inbox ? ([['/inbox', 'Inbox', path.startsWith('/inbox')]] as Array<[string, string, boolean]>) : []),
    ...(caps.automations ? ([['/automations', 'Automations', path.startsWith('/automations')]] as Array<[string, string, boolean]>) : []),
    ...(caps.curricula ? ([['/curriculum', 'Curriculum', path.startsWith('/curriculum')]] as Array<[string, string, boolean]>) : []),
    ...(caps.studies ? ([['/studies', 'Studies', path.startsWith('/studies')]] as Array<[string, string, boolean]>) : []),
    ...(who.role === 'admin' ? ([['/audit', 'Audit', path.startsWith('/audit')]] as Array<[string, string, boolean]>) : []),
    ['/settings', 'Settings', path.startsWith('/settings')],
  ];
  useEffect(() => {
    const id = match('/jobs/:id', path)?.id;
    document.title = id ? `#${id} · Trainyard` : `${nav.find((n) => n[2])?.[1] ?? 'Trainyard'} · Trainyard`;
  });
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">Trainyard</Link>
        <nav aria-label="pages">
          {nav.map(([to, label, active]) => (
            <Link key={to} to={to} className={active ? 'active' : ''} aria-current={active ? 'page' : undefined}>{label}</Link>
          ))}
        </nav>
        <div className="topbar-right">
          {who.role !== 'admin' && <span className="badge" title="This session may look but not act">{who.role}-only</span>}
          <ConnectionDot />
          <button type="button" className="link" onClick={() => void signOut()}>Sign out</button>
        </div>
      </header>
      <main className="content">
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Page path={path} />
        </Suspense>
      </main>
    </div>
  );
}

function Page({ path }: { path: string }) {
  const { caps } = useSession();
  const job = match('/jobs/:id', path);
  if (job && /^\d+$/.test(job.id)) return <JobPage key={job.id} jobId={Number(job.id)} />;
  if (path === '/' || path === '/jobs') return <JobsPage />;
  if (path === '/compare') return <ComparePage />;
  if (path === '/timeline') return <TimelinePage />;
  const dataset = match('/datasets/:name/:version', path) ?? match('/datasets/:name', path);
  if (caps.datasets && (path === '/datasets' || dataset)) return <DatasetsPage key={path} name={dataset?.name} version={dataset?.version} />;
  const model = match('/models/:name', path);
  if (caps.models && (path === '/models' || model)) return <ModelsPage key={path} name={model?.name} />;
  if (caps.deployments && path === '/deployments') return <DeploymentsPage />;
  if (caps.inbox && path === '/inbox') return <InboxPage />;
  if (caps.automations && path === '/automations') return <AutomationsPage />;
  const curriculum = match('/curriculum/:name', path);
  if (caps.curricula && (path === '/curriculum' || curriculum)) return <CurriculumPage key={path} name={curriculum?.name} />;
  const study = match('/studies/:name', path);
  if (caps.studies && (path === '/studies' || study)) return <StudiesPage key={path} name={study?.name} />;
  if (path === '/settings') return <SettingsPage />;
  if (path === '/audit') return <AuditPage />;
  return <div className="page-message">No page at {path}. <Link to="/">Back to the jobs</Link>.</div>;
}
