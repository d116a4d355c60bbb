/**
 * Studies (issue 12, performance): the preview (`?dryRun=true`) and the submit of a 1,000-variant
 * random study through a real server, beside submitting 1,000 plain jobs one by one to the same
 * server in the same run. Target: preview and submit < 2 s each.
 *
 * Every job waits on a paused job (`after:`), so nothing runs while it is measured: the figures
 * are the API, validation, expansion and the store, not the training.
 */
import { performance } from 'node:perf_hooks';
import { killRuns, startServer, tempDir, type TestServer } from '../test/harness.ts';
import type { BenchResult } from './bench-result.ts';

const VARIANTS = 1_000;

async function post(server: TestServer, path: string, body: unknown): Promise<any> {
  const { status, body: answer } = await server.api(path, { body });
  if (status >= 300) throw new Error(`${path}: ${status} ${JSON.stringify(answer).slice(0, 300)}`);
  return answer;
}

export async function benchStudies(): Promise<BenchResult[]> {
  const server = await startServer();
  try {
    const cwd = tempDir('trainyard-bench-study-');
    const held = await post(server, '/api/v1/jobs', { command: ['sleep', '600'], cwd, name: 'held' });
    await post(server, `/api/v1/jobs/${held.id}/pause`, {});
    const job = { command: ['true'], cwd, after: [held.id] };
    const study = (name: string) => ({
      name, job, parallelism: 4, search: { random: { count: VARIANTS, seed: 7 } },
      params: { lr: { float: [1e-5, 1e-1], log: true }, layers: { int: [1, 8] }, optimizer: { choice: ['adam', 'sgd', 'adamw'] }, dropout: { float: [0, 0.5] } },
    });

    let t = performance.now();
    const dry = await post(server, '/api/v1/studies?dryRun=true', study('bench-preview'));
    const previewMs = performance.now() - t;
    if (dry.variants.length !== VARIANTS) throw new Error(`the preview had ${dry.variants.length} variants`);

    t = performance.now();
    const submitted = await post(server, '/api/v1/studies', study('bench-submit'));
    const submitMs = performance.now() - t;
    if (submitted.trialCount !== VARIANTS) throw new Error(`the study had ${submitted.trialCount} trials`);

    t = performance.now();
    for (let i = 0; i < VARIANTS; i++) await post(server, '/api/v1/jobs', { ...job, name: `plain-${i}`, params: { lr: 0.001 * (i + 1) } });
    const plainMs = performance.now() - t;

    const baseline = { name: `${VARIANTS.toLocaleString('en-US')} plain jobs submitted one by one`, value: Math.round(plainMs) };
    return [
      { name: `preview of a ${VARIANTS.toLocaleString('en-US')}-variant random study (dry run, every variant answered)`, value: Math.round(previewMs), unit: 'ms', baseline, target: '< 2,000 ms', ok: previewMs < 2_000 },
      { name: `submit of a ${VARIANTS.toLocaleString('en-US')}-variant random study (stored, first trials launched)`, value: Math.round(submitMs), unit: 'ms', baseline, target: '< 2,000 ms', ok: submitMs < 2_000 },
    ];
  } finally {
    killRuns(server.dataDir);
    await server.stop();
  }
}
