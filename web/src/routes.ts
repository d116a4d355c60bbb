/**
 * The pages loaded on demand (each its own chunk; uPlot comes with the pages that chart).
 * main.tsx starts loading the current route's page with the app itself.
 */
export const loadJobPage = () => import('./pages/job/job-page.tsx');
export const loadComparePage = () => import('./pages/compare/compare-page.tsx');
export const loadTimelinePage = () => import('./pages/timeline/timeline-page.tsx');
export const loadDatasetsPage = () => import('./pages/datasets/datasets-page.tsx');
export const loadSettingsPage = () => import('./pages/settings/settings-page.tsx');

/** Starts loading the code of the page at `path` (the jobs page is part of the app). */
export function preloadPage(path: string): void {
  const load = /^\/jobs\/\d+/.test(path) ? loadJobPage
    : path.startsWith('/compare') ? loadComparePage
    : path.startsWith('/timeline') ? loadTimelinePage
    : path.startsWith('/datasets') ? loadDatasetsPage
    : path.startsWith('/settings') ? loadSettingsPage
    : null;
  void load?.().catch(() => {});
}
