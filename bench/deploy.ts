/**
 * From a winning checkpoint's `evaluation.done` to the new version answering on the `builtin`
 * serving process (issue goal: < 10 s median; team 2's bar was 15 minutes), beside the time of
 * the evaluation itself (from `evaluation.started` to `evaluation.done`), measured in the same
 * run.
 *
 * A real server process, the real char-lm eval suite (examples/char-lm/eval-suite.yaml), a
 * model whose promotion rule deploys to a builtin target. Each round submits a job that
 * registers the next of a series of ever better char-lm checkpoints (trained once, up front);
 * its evaluation wins, the rule requests a deployment, and the time is taken when the serving
 * process's `/health` first reports the new version (polled every 20 ms) and a completion with
 * the model's name is answered by it.
 *
 * Run alone: `node --import tsx bench/deploy.ts`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadJobFile } from '../src/cli/job-file.ts';
import { freePort, REPO, startServer, tempDir, type TestServer } from '../test/harness.ts';
import type { BenchResult } from './bench-result.ts';

const ROUNDS = 5;
const STEP = 100;

export async function benchDeploy(): Promise<BenchResult[]> {
  const checkpoints = tempDir('trainyard-bench-deploy-ckpt-');
  const trained = spawnSync(process.execPath, ['--import', 'tsx', 'examples/char-lm/train.ts', '--steps', String(ROUNDS * STEP), '--ckpt-every', String(STEP), '--eval-every', String(STEP), '--sample-chars', '0'], {
    cwd: REPO, env: { ...process.env, TRAINYARD_CHECKPOINT_DIR: checkpoints }, encoding: 'utf8',
  });
  if (trained.status !== 0) throw new Error(`training the checkpoints failed: ${trained.stderr}`);

  const server = await startServer();
  try {
    const suite = loadJobFile(join(REPO, 'examples', 'char-lm', 'eval-suite.yaml'), REPO, { holds: 'an eval suite' }).spec;
    await must(server, '/api/v1/eval-suites', { body: suite });
    await must(server, '/api/v1/models', { body: { name: 'char-lm', promotionRule: { alias: 'production', suite: suite.name as string } } });
    const port = await freePort();
    await must(server, '/api/v1/deploy/targets/serve', {
      method: 'PUT',
      body: { kind: 'builtin', model: 'char-lm', alias: 'production', config: { port }, smoke: { prompt: 'The driver ', maxTokens: 20, expect: { minLength: 1 } }, watch: { windowSeconds: 1, intervalSeconds: 0.5 } },
    });
    const serving = `http://127.0.0.1:${port}`;
    const secret = (await must(server, '/api/v1/keys', { body: { name: 'bench', target: 'serve' } })).key as string;

    const toAnswer: number[] = [];
    const evaluation: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const step = round * STEP;
      const job = await must(server, '/api/v1/jobs', {
        body: {
          name: `bench-deploy-${round}`,
          command: `cp ${join(checkpoints, `step-${step}.bin`)} "$TRAINYARD_CHECKPOINT_DIR/step-${step}.bin" && echo '#trainyard checkpoint path="step-${step}.bin" step=${step}'`,
          shell: true, cwd: REPO, evaluate: [suite.name], keepCheckpoints: 0, resources: { gpus: 0, cpus: 1 },
        },
      });
      const events = await waitFor(async () => {
        const page = await must(server, `/api/v1/events?job=${job.id}&types=evaluation.started,evaluation.done`);
        const started = page.events.find((e: { type: string }) => e.type === 'evaluation.started');
        const done = page.events.find((e: { type: string }) => e.type === 'evaluation.done');
        return started && done ? { started: started.at as number, done: done.at as number, verdict: done.data.verdict as string } : null;
      }, 120_000, `the evaluation of round ${round}`);
      await waitFor(async () => {
        const health = await fetch(`${serving}/health`).then((r) => r.json() as Promise<{ version?: number }>).catch(() => null);
        return health?.version === round ? true : null;
      }, 60_000, `version ${round} serving (round ${round}, evaluation ${events.verdict})`, 20);
      const answered = await fetch(`${serving}/v1/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ model: 'char-lm', prompt: 'The driver ', max_tokens: 10 }),
      }).then((r) => r.json() as Promise<{ system_fingerprint?: string }>);
      const at = Date.now();
      if (answered.system_fingerprint !== `char-lm@v${round}`) throw new Error(`round ${round}: answered by ${answered.system_fingerprint}`);
      toAnswer.push(at - events.done);
      evaluation.push(events.done - events.started);
      // The deployment's watch ends and the alias moves before the next round starts.
      await waitFor(async () => (await server.api('/api/v1/models/char-lm/versions/production')).body?.version === round || null, 60_000, `production → v${round}`);
    }
    const median = medianOf(toAnswer);
    return [{
      name: `eval.done of a winning checkpoint → its version answering on builtin, median of ${ROUNDS}`,
      value: Math.round(median),
      unit: 'ms',
      baseline: { name: 'the evaluation itself (evaluation.started → done), median', value: Math.round(medianOf(evaluation)) },
      target: '< 10,000 ms',
      ok: median < 10_000,
    }];
  } finally {
    await server.stop();
    stopServing(join(server.dataDir, 'deploy', 'serve', 'state.json'));
  }
}

/** The serving process outlives the server on purpose; the benchmark ends it by the pid in its state file. */
function stopServing(stateFile: string): void {
  try {
    const { pid } = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number };
    process.kill(pid, 'SIGTERM');
  } catch {
    // Never started, or gone already.
  }
}

async function must(server: TestServer, path: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
  const { status, body } = await server.api(path, init);
  if (status >= 300) throw new Error(`${init.method ?? (init.body ? 'POST' : 'GET')} ${path}: ${status} ${JSON.stringify(body)}`);
  return body;
}

async function waitFor<T>(check: () => Promise<T | null>, timeoutMs: number, what: string, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== null && value !== undefined) return value;
    await new Promise((done) => setTimeout(done, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchDeploy()) console.log(r);
}
