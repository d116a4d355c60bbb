/**
 * `trainyard demo --loop` (`npm run demo -- --loop`): the loop after training, on the demo
 * server, printed as it happens. The bundled char-lm trains; every checkpoint is evaluated on
 * the held-out end of its corpus (examples/char-lm/eval-suite.yaml); the model's promotion rule
 * makes the best a version and deploys it to the `builtin` serving process, which answers a
 * completion; a job continued from `model:char-lm@production` on more text trains, a worse
 * checkpoint is refused and a better one replaces production; a deliberately broken version
 * (examples/char-lm/break.ts) fails its smoke check and is rolled back.
 *
 * Everything it sets up is kept when it already exists, so it can run again on the same server.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { ApiDomainEvent, Client } from '../sdk/client.ts';
import { ApiError } from '../sdk/client.ts';
import { createEvaluationClient } from '../sdk/evaluation-client.ts';
import { createRegistryClient } from '../sdk/registry-client.ts';
import { createApiKeysClient } from '../sdk/api-keys-client.ts';
import { createDeployClient, type ApiDeployment } from '../sdk/deploy-client.ts';
import { followJob } from './follow.ts';
import { CliError, type Io } from './io.ts';
import { sleep } from './watch.ts';

export const LOOP_MODEL = 'char-lm';
export const LOOP_SUITE = 'char-lm-heldout';
export const LOOP_TARGET = 'char-lm-serve';
/** The smoke request: a model that writes English answers with words; a broken one does not. */
const SMOKE = { prompt: 'The stationmaster ', maxTokens: 40, expect: { matches: '[a-z]+ [a-z]+' } };

export interface LoopPaths {
  readonly repoRoot: string;
  readonly dataDir: string;
}

export interface LoopServer {
  readonly url: string;
  readonly token: string;
}

export interface LoopResult {
  readonly ok: boolean;
  readonly jobs: readonly number[];
  readonly servingUrl: string | null;
  readonly apiKey: string | null;
}

export async function runLoop(io: Io, client: Client, server: LoopServer, paths: LoopPaths, say: (text: string) => void, jobSpec: (overrides: Record<string, unknown>) => Record<string, unknown>): Promise<LoopResult> {
  const options = { url: server.url, token: server.token };
  const evaluation = createEvaluationClient(options);
  const registry = createRegistryClient(options);
  const deploy = createDeployClient(options);
  const keys = createApiKeysClient(options);
  const { loadJobFile } = await import('./job-file.ts');
  const jobs: number[] = [];

  say('\n== Setting up: an eval suite, a model with a promotion rule, a serving target, an API key ==\n');
  const suiteFile = loadJobFile(join(paths.repoRoot, 'examples', 'char-lm', 'eval-suite.yaml'), io.cwd, { holds: 'an eval suite file' });
  const suite = await evaluation.saveSuite(suiteFile.spec as never, { replace: true });
  say(`eval suite ${suite.suite.name} version ${suite.suite.version}: ${suite.suite.metrics.map((m) => `${m.name} (${m.goal})`).join(', ')}, baseline ${suite.suite.baseline?.label ?? 'none'}\n`);
  if (!(await registry.list()).some((m) => m.name === LOOP_MODEL)) {
    await registry.create({ name: LOOP_MODEL, description: 'the bundled character-level language model', promotionRule: { alias: 'production', suite: LOOP_SUITE, margin: 0.002 } });
  }
  say(`model ${LOOP_MODEL}: promote to production when a checkpoint's ${LOOP_SUITE} score beats production's by 0.002 with no regression alarm\n`);
  const existing = (await deploy.targets()).find((t) => t.name === LOOP_TARGET);
  const port = typeof existing?.config.port === 'number' ? existing.config.port : await freePort();
  await deploy.saveTarget(LOOP_TARGET, {
    kind: 'builtin', model: LOOP_MODEL, alias: 'production', config: { port },
    smoke: SMOKE, watch: { windowSeconds: 3, intervalSeconds: 1 },
  });
  const servingUrl = `http://127.0.0.1:${port}`;
  say(`deploy target ${LOOP_TARGET}: the builtin serving process at ${servingUrl} follows ${LOOP_MODEL}@production; smoke "${SMOKE.prompt}" must answer /${SMOKE.expect.matches}/, then 3 s watched\n`);
  const key = await keys.create({ name: `demo-${Date.now()}`, target: LOOP_TARGET });
  say(`API key ${key.id} (${key.name}) for ${LOOP_TARGET}, shown once: ${key.key}\n`);

  const printer = startEventPrinter(client, say, await lastEventId(client));
  try {
    say('\n== 1. Train char-lm; every checkpoint is evaluated; the best is promoted and deployed ==\n');
    const first = await trainAndSettle(jobSpec({ name: 'char-lm-loop', evaluate: [LOOP_SUITE], params: { steps: 1500, ckptEvery: 500, sampleChars: 0 } }));
    await ask('production answers');

    say('\n== 2. Continue from model:char-lm@production on more text, with a higher learning rate ==\n');
    const more = join(paths.dataDir, 'more-corpus.txt');
    if (!existsSync(more)) await makeCorpus(paths.repoRoot, more);
    await trainAndSettle(jobSpec({
      name: 'char-lm-continued', from: `model:${LOOP_MODEL}@production`, evaluate: [LOOP_SUITE],
      params: { steps: 1500, ckptEvery: 250, lr: 0.03, warmup: 0, corpus: more, sampleChars: 0 },
    }));
    await ask('production answers');

    say('\n== 3. A deliberately broken version is deployed by hand: its smoke check fails, it is rolled back ==\n');
    const broken = await trainAndSettle(jobSpec({
      name: 'char-lm-broken', from: `model:${LOOP_MODEL}@production`, command: ['node', '--import', 'tsx', 'examples/char-lm/break.ts'], params: {}, evaluate: [],
    }));
    const checkpoint = (await client.listCheckpoints(broken)).at(-1);
    if (!checkpoint) throw new CliError(`job ${broken} registered no checkpoint`);
    const version = await registry.createVersion(LOOP_MODEL, { checkpointId: checkpoint.id, notes: 'deliberately broken (examples/char-lm/break.ts)' });
    const requested = await deploy.deploy({ target: LOOP_TARGET, model: LOOP_MODEL, version: version.version, reason: 'demo: a broken version' });
    const ended = await waitDeployment(requested.id);
    if (ended.state === 'succeeded') throw new CliError(`the broken version ${version.version} was deployed: its smoke check should have failed`);
    await ask('production still answers');

    const production = await registry.version(LOOP_MODEL, 'production');
    say(`\nproduction is ${LOOP_MODEL} version ${production.version} (checkpoint ${production.checkpointId}, step ${production.lineage.checkpoint.step}), served at ${servingUrl}\n`);
    return { ok: true, jobs, servingUrl, apiKey: key.key };
  } finally {
    await printer.stop();
  }

  /** Submits, follows it with the progress bar, then waits until its evaluations and deployments are done. */
  async function trainAndSettle(spec: Record<string, unknown>): Promise<number> {
    const job = await client.submitJob(spec as never);
    jobs.push(job.id);
    say(`submitted job ${job.id} (${job.name ?? job.spec.name})${spec.from ? ` from ${String(spec.from)}` : ''}\n`);
    printer.hold();
    const followed = await followJob(client, job.id, io, { out: io.stdout, lineEverySeconds: 10 });
    printer.release();
    if (followed.detached) throw new CliError('detached');
    if (followed.job.state !== 'succeeded') throw new CliError(`job ${job.id} ended ${followed.job.state}: see trainyard logs ${job.id}`);
    await settle(job.id);
    return job.id;
  }

  /** Waits until every checkpoint of the job has a finished evaluation (when it asked for one) and no deployment is in flight. */
  async function settle(jobId: number): Promise<void> {
    const deadline = Date.now() + 10 * 60_000;
    let quiet = 0;
    while (Date.now() < deadline) {
      const [evaluations, deployments] = await Promise.all([evaluation.list({ job: jobId }), deploy.deployments({ target: LOOP_TARGET })]);
      const busy = evaluations.some((e) => e.state !== 'done') || deployments.some((d) => !['succeeded', 'rolled-back', 'failed'].includes(d.state));
      quiet = busy ? 0 : quiet + 1;
      if (quiet >= 4) return;
      await sleep(500);
    }
    throw new CliError(`job ${jobId}'s evaluations and deployments did not settle within 10 minutes`);
  }

  async function waitDeployment(id: number): Promise<ApiDeployment> {
    const deadline = Date.now() + 5 * 60_000;
    while (Date.now() < deadline) {
      const d = await deploy.deployment(id);
      if (['succeeded', 'rolled-back', 'failed'].includes(d.state)) {
        await sleep(600); // let the printer show its end
        return d;
      }
      await sleep(250);
    }
    throw new CliError(`deployment ${id} did not end within 5 minutes`);
  }

  /** One completion from the serving process, as a client of it would ask. */
  async function ask(what: string): Promise<void> {
    const response = await fetch(`${servingUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
      body: JSON.stringify({ model: LOOP_MODEL, prompt: 'The driver ', max_tokens: 80, temperature: 0.7, seed: 1 }),
    });
    const body = (await response.json()) as { model?: string; choices?: Array<{ text: string }>; error?: unknown };
    if (!response.ok) throw new CliError(`the serving process answered ${response.status}: ${JSON.stringify(body)}`);
    const health = (await (await fetch(`${servingUrl}/health`)).json()) as { version?: number | null };
    say(`\n${what} (POST ${servingUrl}/v1/completions, version ${health.version ?? '?'}):\n  "The driver ${body.choices?.[0]?.text.replace(/\n/g, ' ') ?? ''}"\n`);
  }
}

/** Prints the durable events the loop is about, as they happen (held while a progress bar draws). */
function startEventPrinter(client: Client, say: (text: string) => void, after: number) {
  let cursor = after;
  let held = false;
  let stopped = false;
  const pending: string[] = [];
  const flush = () => {
    if (held) return;
    for (const line of pending.splice(0)) say(line);
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        const page = await client.listEvents({ after: cursor, limit: 200 });
        for (const event of page.events) {
          const line = describeEvent(event);
          if (line) pending.push(`  · ${line}\n`);
        }
        cursor = page.lastEventId ?? cursor;
        flush();
      } catch {
        // The next poll tries again.
      }
      await sleep(250);
    }
  })();
  return {
    hold: () => void (held = true),
    release: () => {
      held = false;
      flush();
    },
    async stop() {
      await sleep(300);
      stopped = true;
      await loop;
      held = false;
      flush();
    },
  };
}

function describeEvent(event: ApiDomainEvent): string | null {
  const d = event.data as Record<string, any>;
  switch (event.type) {
    case 'evaluation.done':
      return `evaluation of job ${event.jobId} step ${d.step}: ${d.verdict}, score ${fmt(d.score)}${d.regressed ? ' · REGRESSION ALARM' : ''} (${d.summary})`;
    case 'evaluation.regression':
      return `regression alarm on job ${event.jobId} step ${d.step}: ${d.regressions.map((r: { detail: string }) => r.detail).join('; ')}`;
    case 'model.version_created':
      return `${d.model} version ${d.version} ← checkpoint ${d.checkpointId} (step ${d.step})`;
    case 'model.alias_moved':
      return `${d.model}@${d.alias}: ${d.from === null ? 'unset' : `v${d.from}`} → ${d.to === null ? 'unset' : `v${d.to}`} by ${d.by}${d.reason ? `: ${d.reason}` : ''}`;
    case 'deployment.requested':
      return `deployment ${d.deploymentId}: ${d.model} v${d.version} → ${d.target} requested (${d.cause ?? d.by})`;
    case 'deployment.progressed':
      return `deployment ${d.deploymentId}: ${d.step}`;
    case 'deployment.finished':
      return `deployment ${d.deploymentId}: ${d.state}${d.reason ? `: ${d.reason}` : ''}`;
    default:
      return null;
  }
}

/** The id of the newest event: the printer shows only what happens from now on. */
async function lastEventId(client: Client): Promise<number> {
  let after = 0;
  for (;;) {
    const page = await client.listEvents({ after, limit: 1_000 });
    if (page.events.length === 0) return after;
    after = page.lastEventId;
  }
}

function fmt(x: unknown): string {
  return typeof x === 'number' ? Number(x.toPrecision(4)).toString() : 'none';
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

/** More text of the same kind: the corpus generator with another seed. */
async function makeCorpus(repoRoot: string, out: string): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  mkdirSync(join(out, '..'), { recursive: true });
  const made = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'examples', 'char-lm', 'data', 'make-corpus.ts'), '240000', '8', out], { cwd: repoRoot, encoding: 'utf8' });
  if (made.status !== 0) throw new CliError(`could not write ${out}: ${made.stderr}`);
}

export function isApiError(error: unknown, status: number): boolean {
  return error instanceof ApiError && error.status === status;
}
