/**
 * The set-up and the checks of the loop after training on the bundled char-lm, shared by
 * `trainyard demo --loop` (demo-loop.ts) and the flywheel example (examples/flywheel/run.ts):
 * the eval suite, the model with its promotion rule, the builtin serving target that follows
 * production, an API key; a completion asked of the serving process; waiting until a job's
 * evaluations and deployments are done; more corpus text.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createApiKeysClient } from '../sdk/api-keys-client.ts';
import { createDeployClient } from '../sdk/deploy-client.ts';
import { createEvaluationClient } from '../sdk/evaluation-client.ts';
import { createRegistryClient } from '../sdk/registry-client.ts';
import { CliError } from './io.ts';
import { freePort } from './local-server.ts';
import { sleep } from './watch.ts';

export const LOOP_MODEL = 'char-lm';
export const LOOP_SUITE = 'char-lm-heldout';
export const LOOP_TARGET = 'char-lm-serve';
/** The smoke request: a model that writes English answers with words; a broken one does not. */
const SMOKE = { prompt: 'The stationmaster ', maxTokens: 40, expect: { matches: '[a-z]+ [a-z]+' } };

export interface LoopServer {
  readonly url: string;
  readonly token: string;
}

export type LoopClients = ReturnType<typeof createLoopClients>;

export function createLoopClients(server: LoopServer) {
  const options = { url: server.url, token: server.token };
  return {
    evaluation: createEvaluationClient(options),
    registry: createRegistryClient(options),
    deploy: createDeployClient(options),
    keys: createApiKeysClient(options),
  };
}

export interface Serving {
  /** The builtin serving process's address. */
  readonly url: string;
  /** An API key for it, shown once. */
  readonly apiKey: { readonly id: string; readonly name: string; readonly key: string };
}

export interface SetUpOptions {
  /** The repository root: examples/char-lm/eval-suite.yaml is read from there. */
  readonly repoRoot: string;
  /** Passed to the model's promotion rule. Default: 0.002. */
  readonly margin?: number;
  /** Seconds the serving process is watched after a switch. Default: 3. */
  readonly watchSeconds?: number;
}

/**
 * The eval suite (examples/char-lm/eval-suite.yaml, saved again), the model `char-lm` with the
 * rule "promote to production when a checkpoint's char-lm-heldout score beats it by the margin",
 * the builtin target `char-lm-serve` following `char-lm@production` with a smoke check, and an API
 * key for it. What exists already is kept (the target keeps its port).
 */
export async function setUpServing(clients: LoopClients, options: SetUpOptions, say: (text: string) => void): Promise<Serving> {
  const { evaluation, registry, deploy, keys } = clients;
  const margin = options.margin ?? 0.002;
  const watchSeconds = options.watchSeconds ?? 3;
  const { loadJobFile } = await import('./job-file.ts'); // yaml loads only here
  const suitePath = join(options.repoRoot, 'examples', 'char-lm', 'eval-suite.yaml');
  const suiteFile = loadJobFile(suitePath, options.repoRoot, { holds: 'an eval suite file' });
  const suite = await evaluation.saveSuite(suiteFile.spec as never, { replace: true });
  say(`eval suite ${suite.suite.name} version ${suite.suite.version}: ${suite.suite.metrics.map((m) => `${m.name} (${m.goal})`).join(', ')}, baseline ${suite.suite.baseline?.label ?? 'none'}\n`);
  if (!(await registry.list()).some((m) => m.name === LOOP_MODEL)) {
    await registry.create({ name: LOOP_MODEL, description: 'the bundled character-level language model', promotionRule: { alias: 'production', suite: LOOP_SUITE, margin } });
  }
  say(`model ${LOOP_MODEL}: promote to production when a checkpoint's ${LOOP_SUITE} score beats production's by ${margin} with no regression alarm\n`);
  const existing = (await deploy.targets()).find((t) => t.name === LOOP_TARGET);
  const port = typeof existing?.config.port === 'number' ? existing.config.port : await freePort();
  await deploy.saveTarget(LOOP_TARGET, {
    kind: 'builtin', model: LOOP_MODEL, alias: 'production', config: { port },
    smoke: SMOKE, watch: { windowSeconds: watchSeconds, intervalSeconds: 1 },
  });
  const url = `http://127.0.0.1:${port}`;
  say(`deploy target ${LOOP_TARGET}: the builtin serving process at ${url} follows ${LOOP_MODEL}@production; smoke "${SMOKE.prompt}" must answer /${SMOKE.expect.matches}/, then ${watchSeconds} s watched\n`);
  const key = await keys.create({ name: `demo-${Date.now()}`, target: LOOP_TARGET });
  say(`API key ${key.id} (${key.name}) for ${LOOP_TARGET}, shown once: ${key.key}\n`);
  return { url, apiKey: { id: key.id, name: key.name, key: key.key } };
}

export interface Answer {
  /** The version the serving process says it serves (GET /health). */
  readonly version: number | null;
  readonly text: string;
}

/** One completion from the serving process, as a client of it would ask. */
export async function askServing(serving: Serving, prompt: string): Promise<Answer> {
  const response = await fetch(`${serving.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${serving.apiKey.key}` },
    body: JSON.stringify({ model: LOOP_MODEL, prompt, max_tokens: 80, temperature: 0.7, seed: 1 }),
  });
  const body = (await response.json()) as { choices?: Array<{ text: string }> };
  if (!response.ok) throw new CliError(`the serving process answered ${response.status}: ${JSON.stringify(body)}`);
  const health = (await (await fetch(`${serving.url}/health`)).json()) as { version?: number | null };
  return { version: health.version ?? null, text: body.choices?.[0]?.text ?? '' };
}

const ENDED = ['succeeded', 'rolled-back', 'failed'];

/** Waits until every evaluation of the job is done and no deployment of the target is in flight (seen quiet 4 times in 2 s). */
export async function settleJob(clients: LoopClients, jobId: number, timeoutMs = 10 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (Date.now() < deadline) {
    const [evaluations, deployments] = await Promise.all([clients.evaluation.list({ job: jobId }), clients.deploy.deployments({ target: LOOP_TARGET })]);
    const busy = evaluations.some((e) => e.state !== 'done') || deployments.some((d) => !ENDED.includes(d.state));
    quiet = busy ? 0 : quiet + 1;
    if (quiet >= 4) return;
    await sleep(500);
  }
  throw new CliError(`job ${jobId}'s evaluations and deployments did not settle within ${Math.round(timeoutMs / 60_000)} minutes`);
}

/** Whether a deployment state is final. */
export function deploymentEnded(state: string): boolean {
  return ENDED.includes(state);
}

/** More text of the kind of examples/char-lm/data/corpus.txt: its generator with another seed. */
export function makeCorpus(repoRoot: string, out: string, options: { bytes?: number; seed?: number } = {}): void {
  mkdirSync(dirname(out), { recursive: true });
  const script = join(repoRoot, 'examples', 'char-lm', 'data', 'make-corpus.ts');
  const made = spawnSync(process.execPath, ['--import', 'tsx', script, String(options.bytes ?? 240_000), String(options.seed ?? 8), out], { cwd: repoRoot, encoding: 'utf8' });
  if (made.status !== 0) throw new CliError(`could not write ${out}: ${made.stderr}`);
}
