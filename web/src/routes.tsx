/**
 * Pages loaded on demand, each its own chunk (uPlot comes with the pages that chart). The
 * current route's page is loaded before the app first renders (main.tsx), the others while the
 * browser is idle, so no page waits behind a Suspense fallback (React holds a fallback for up to
 * 300 ms before revealing content, which would cost every first render that much).
 */
import { createElement, lazy, useState, type ComponentType } from 'react';

interface LazyPage<P> {
  readonly Page: ComponentType<P>;
  preload(): Promise<void>;
}

function lazyPage<M, P extends object>(load: () => Promise<M>, pick: (m: M) => ComponentType<P>): LazyPage<P> {
  let loaded: ComponentType<P> | null = null;
  const preload = () => load().then((m) => void (loaded = pick(m)));
  const Lazy = lazy(async () => {
    await preload();
    return { default: loaded! };
  });
  // Chosen once per mounted page, so a page shown through Lazy is not remounted when the code lands.
  const Page = (props: P) => {
    const [component] = useState(() => (loaded ?? Lazy) as ComponentType<P>);
    return createElement(component, props);
  };
  return { Page, preload };
}

export const jobPage = lazyPage(() => import('./pages/job/job-page.tsx'), (m) => m.JobPage);
export const comparePage = lazyPage(() => import('./pages/compare/compare-page.tsx'), (m) => m.ComparePage);
export const timelinePage = lazyPage(() => import('./pages/timeline/timeline-page.tsx'), (m) => m.TimelinePage);
export const datasetsPage = lazyPage(() => import('./pages/datasets/datasets-page.tsx'), (m) => m.DatasetsPage);
export const modelsPage = lazyPage(() => import('./pages/models/models-page.tsx'), (m) => m.ModelsPage);
export const deploymentsPage = lazyPage(() => import('./pages/deployments/deployments-page.tsx'), (m) => m.DeploymentsPage);
export const inboxPage = lazyPage(() => import('./pages/inbox/inbox-page.tsx'), (m) => m.InboxPage);
export const automationsPage = lazyPage(() => import('./pages/automations/automations-page.tsx'), (m) => m.AutomationsPage);
export const curriculumPage = lazyPage(() => import('./pages/curriculum/curriculum-page.tsx'), (m) => m.CurriculumPage);
export const studiesPage = lazyPage(() => import('./pages/studies/studies-page.tsx'), (m) => m.StudiesPage);
export const settingsPage = lazyPage(() => import('./pages/settings/settings-page.tsx'), (m) => m.SettingsPage);
export const auditPage = lazyPage(() => import('./pages/audit/audit-page.tsx'), (m) => m.AuditPage);

const ALL = [jobPage, comparePage, timelinePage, datasetsPage, modelsPage, deploymentsPage, inboxPage, automationsPage, curriculumPage, studiesPage, settingsPage, auditPage];

/** The page the route at `path` needs beyond the app (the jobs page is part of it), if any. */
export function pageFor(path: string): LazyPage<never> | null {
  const page = /^\/jobs\/\d+/.test(path) ? jobPage
    : path.startsWith('/compare') ? comparePage
    : path.startsWith('/timeline') ? timelinePage
    : path.startsWith('/datasets') ? datasetsPage
    : path.startsWith('/models') ? modelsPage
    : path.startsWith('/deployments') ? deploymentsPage
    : path.startsWith('/inbox') ? inboxPage
    : path.startsWith('/automations') ? automationsPage
    : path.startsWith('/curriculum') ? curriculumPage
    : path.startsWith('/studies') ? studiesPage
    : path.startsWith('/settings') ? settingsPage
    : path.startsWith('/audit') ? auditPage
    : null;
  return page as LazyPage<never> | null;
}

/** Loads every page's code in the background, for instant navigation later. */
export function preloadAllWhenIdle(): void {
  const idle = (window as { requestIdleCallback?: (f: () => void) => void }).requestIdleCallback ?? ((f: () => void) => setTimeout(f, 200));
  idle(() => ALL.forEach((p) => void p.preload().catch(() => {})));
}
