/**
 * `npm run bench`: every benchmark, each figure printed beside a baseline measured in the same
 * run (absolute times drift on shared machines; ratios do not). `npm run bench -- server`
 * runs only the groups whose name contains "server".
 */
import type { BenchResult } from './bench-result.ts';

const groups: Array<[string, () => Promise<BenchResult[]>]> = [
  ['metrics-store', async () => (await import('./metrics-store.ts')).benchMetricsStore()],
  ['server', async () => (await import('./server.ts')).benchServer()],
  ['ingest-load', async () => (await import('./ingest-load.ts')).benchIngestLoad()],
  ['events', async () => (await import('./events.ts')).benchEvents()],
  ['deploy', async () => (await import('./deploy.ts')).benchDeploy()],
  ['sdk-overhead', async () => (await import('./sdk-overhead.ts')).benchSdkOverhead()],
  ['scheduler', async () => (await import('./scheduler.ts')).benchScheduler()],
  ['dashboard', async () => (await import('./dashboard.ts')).benchDashboard()],
  ['datasets', async () => (await import('./datasets.ts')).benchDatasets()],
  ['cli-startup', async () => (await import('./cli-startup.ts')).benchCliStartup()],
  ['early-stopping', async () => (await import('./early-stopping.ts')).benchEarlyStopping()],
  ['studies', async () => (await import('./studies.ts')).benchStudies()],
  ['study-report', async () => (await import('./study-report.ts')).benchStudyReport()],
  // Not in a plain `npm run bench` (10 minutes): `npm run bench -- soak` (SOAK_MINUTES to shorten).
  ['soak', async () => (await import('./soak.ts')).benchSoak()],
];

const filter = process.argv.slice(2);
/** Groups that run only when named (they take minutes). */
const OPT_IN = new Set(['soak']);
let failed = 0;
for (const [name, run] of groups) {
  if (filter.length > 0 ? !filter.some((f) => name.includes(f)) : OPT_IN.has(name)) continue;
  console.log(`\n## ${name}`);
  try {
    for (const r of await run()) {
      const ratio = r.baseline && r.baseline.value !== 0 ? ` (${(r.value / r.baseline.value).toFixed(2)}× baseline)` : '';
      const verdict = r.ok === undefined ? '' : r.ok ? '  ok' : '  MISSED';
      console.log(`${r.name}: ${fmt(r.value)} ${r.unit}${ratio}${r.target ? `  target ${r.target}` : ''}${verdict}`);
      if (r.baseline) console.log(`    baseline, ${r.baseline.name}: ${fmt(r.baseline.value)} ${r.unit}`);
      if (r.ok === false) failed++;
    }
  } catch (error) {
    failed++;
    console.log(`  failed: ${String((error as Error)?.stack ?? error)}`);
  }
}
console.log(failed === 0 ? '\nall targets met' : `\n${failed} target(s) missed or failed`);
process.exit(0);

function fmt(x: number): string {
  return x >= 1000 ? Math.round(x).toLocaleString('en-US') : String(x);
}
