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
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '../sdk/client.ts';
import { ApiError } from '../sdk/client.ts';
import type { ApiDeployment } from '../sdk/deploy-client.ts';
import { followJob } from './follow.ts';
import { CliError, type Io } from './io.ts';
import { lastEventId, startEventPrinter } from './loop-events.ts';
import { askServing, createLoopClients, deploymentEnded, LOOP_MODEL, LOOP_SUITE, LOOP_TARGET, makeCorpus, settleJob, setUpServing, type LoopServer } from './loop-kit.ts';
import { sleep } from './watch.ts';

export { LOOP_MODEL, LOOP_SUITE, LOOP_TARGET, type LoopServer } from './loop-kit.ts';

export interface LoopPaths {
  readonly repoRoot: string;
  readonly dataDir: string;
}

export interface LoopResult {
  readonly ok: boolean;
  readonly jobs: readonly number[];
  readonly servingUrl: string | null;
  readonly apiKey: string | null;
}

export async function runLoop(io: Io, client: Client, server: LoopServer, paths: LoopPaths, say: (text: string) => void, jobSpec: (overrides: Record<string, unknown>) => Record<string, unknown>): Promise<LoopResult> {
  const clients = createLoopClients(server);
  const { registry, deploy } = clients;
  const jobs: number[] = [];

  say('\n== Setting up: an eval suite, a model with a promotion rule, a serving target, an API key ==\n');
  const serving = await setUpServing(clients, { repoRoot: paths.repoRoot }, say);
  const servingUrl = serving.url;

  const printer = startEventPrinter(client, say, await lastEventId(client));
  try {
    say('\n== 1. Train char-lm; every checkpoint is evaluated; the best is promoted and deployed ==\n');
    const first = await trainAndSettle(jobSpec({ name: 'char-lm-loop', evaluate: [LOOP_SUITE], params: { steps: 1500, ckptEvery: 500, sampleChars: 0 } }));
    await ask('production answers');

    say('\n== 2. Continue from model:char-lm@production on more text, with a higher learning rate ==\n');
    const more = join(paths.dataDir, 'more-corpus.txt');
    if (!existsSync(more)) makeCorpus(paths.repoRoot, more);
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
    return { ok: true, jobs, servingUrl, apiKey: serving.apiKey.key };
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
    await settleJob(clients, job.id);
    return job.id;
  }

  async function waitDeployment(id: number): Promise<ApiDeployment> {
    const deadline = Date.now() + 5 * 60_000;
    while (Date.now() < deadline) {
      const d = await deploy.deployment(id);
      if (deploymentEnded(d.state)) {
        await sleep(600); // let the printer show its end
        return d;
      }
      await sleep(250);
    }
    throw new CliError(`deployment ${id} did not end within 5 minutes`);
  }

  async function ask(what: string): Promise<void> {
    const answer = await askServing(serving, 'The driver ');
    say(`\n${what} (POST ${servingUrl}/v1/completions, version ${answer.version ?? '?'}):\n  "The driver ${answer.text.replace(/\n/g, ' ')}"\n`);
  }
}

export function isApiError(error: unknown, status: number): boolean {
  return error instanceof ApiError && error.status === status;
}
