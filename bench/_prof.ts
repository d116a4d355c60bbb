import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
const dir = mkdtempSync(join(tmpdir(), 'prof-'));
const store = await createSqliteStore(process.argv[3] === 'mem' ? ':memory:' : join(dir, 'x.db'));
const job = await store.createJob({ name: 'b', command: ['t'], shell: false, cwd: '/', env: {}, params: {}, resources: { gpus: 0, cpus: 1 }, maxRetries: 0, keepCheckpoints: 0, stopGraceSeconds: 1, tags: [] }, 1);
const c = (await store.claimJob(job.id, { logPath: '/', resumedFrom: null, resumeStep: null }, 1))!;
const mode = process.argv[2];
const t = performance.now();
if (mode === 'sdk') {
  for (let b = 0; b < 500; b++) {
    const series = new Map();
    for (let k = 0; k < 10; k++) { const steps = Array.from({length:50},(_,i)=>b*50+i); series.set('k'+k, { steps, values: steps.map(Math.sin), times: steps.map(s=>1e12+s) }); }
    await store.recordMetrics({ runId: c.run.id, batchId: 'b'+b, series });
  }
  console.log('sdk ms/batch', (performance.now()-t)/500);
} else {
  for (let b = 0; b < 50; b++) {
    const n = 200000; const steps = new Float64Array(n).map((_, i) => b*n+i);
    await store.recordMetrics({ runId: c.run.id, batchId: 'b'+b, series: new Map([['loss', { steps, values: steps.map(Math.sin), times: steps.map(s=>1e12+s) }]]) });
  }
  console.log('ingest', performance.now()-t);
  for (let i = 0; i < 10; i++) { const t1 = performance.now(); await store.readBuckets(job.id, 'loss', 1000); console.log('read', (performance.now()-t1).toFixed(1)); }
}
await store.close();
