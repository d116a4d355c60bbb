/**
 * One turn of the flywheel: a file dropped into the inbox (or the seed job submitted), its job
 * followed to its end, its evaluation and the registry's decision (promoted and deployed, or
 * refused) waited for and read back.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '../../src/sdk/client.ts';
import type { InboxClient } from '../../src/sdk/inbox-client.ts';
import { LOOP_MODEL, LOOP_SUITE, settleJob, type LoopClients } from '../../src/cli/loop-kit.ts';
import { sleep } from '../../src/cli/watch.ts';
import { parseCurriculumTag } from '../../src/core/curriculum.ts';
import type { Drop } from './drops.ts';

export interface Round {
  /** 0: the seed job; 1, 2: the dropped files. */
  readonly round: number;
  /** The dropped file's name; null for the seed. */
  readonly file: string | null;
  /** The dataset version the file became. */
  readonly dataset: { readonly name: string; readonly version: number } | null;
  readonly jobId: number;
  readonly jobName: string;
  readonly jobState: string;
  readonly tags: readonly string[];
  /** The curriculum level the job ran at (its `curriculum:<name>:<level>` tag); null outside one. */
  readonly level: string | null;
  /** The model version its `from:` resolved to when the job was made; null when it started fresh. */
  readonly initFrom: { readonly version: number; readonly checkpointId: number } | null;
  /** char-lm@production when the file was dropped (or the seed submitted); null: unset. */
  readonly productionBefore: number | null;
  readonly evaluation: {
    readonly id: number;
    readonly verdict: string | null;
    readonly score: number | null;
    readonly values: Readonly<Record<string, number>>;
    readonly regressed: boolean;
  } | null;
  readonly decision: 'promoted' | 'refused';
  /** The version made of its checkpoint, when the registry promoted it. */
  readonly version: number | null;
  readonly productionAfter: number | null;
  /** The registry's reason, as the server logged it. */
  readonly reason: string;
}

export interface RoundContext {
  readonly client: Client;
  readonly clients: LoopClients;
  readonly inbox: InboxClient;
  readonly dataDir: string;
  readonly say: (text: string) => void;
}

/** char-lm@production's version now; null while unset. */
export async function productionVersion(clients: LoopClients): Promise<number | null> {
  return (await clients.registry.show(LOOP_MODEL)).aliases.find((a) => a.alias === 'production')?.version ?? null;
}

/** Submits the seed job file's spec and follows it to the registry's decision. */
export async function seedRound(ctx: RoundContext, spec: Record<string, unknown>): Promise<Round> {
  const before = await productionVersion(ctx.clients);
  const job = await ctx.client.submitJob(spec as never);
  return finishRound(ctx, { round: 0, file: null, dataset: null, jobId: job.id, productionBefore: before });
}

/** Drops the file into inbox/normal/ (written as `.part`, then renamed) and follows its job. */
export async function dropRound(ctx: RoundContext, round: number, drop: Drop): Promise<Round> {
  const before = await productionVersion(ctx.clients);
  const folder = join(ctx.dataDir, 'inbox', 'normal');
  mkdirSync(folder, { recursive: true });
  copyFileSync(drop.path, join(folder, `${drop.name}.part`));
  renameSync(join(folder, `${drop.name}.part`), join(folder, drop.name));
  ctx.say(`dropped ${drop.name} into ${folder}/ (${drop.what})\n`);
  const entry = await waitFor(`the inbox to make a job of ${drop.name}`, 120_000, async () => {
    const file = (await ctx.inbox.list({ limit: 100 })).files.find((f) => f.name === drop.name && f.state !== 'waiting');
    if (file?.state === 'failed') throw new Error(`the inbox failed ${drop.name}: ${file.reason}`);
    return file?.jobId != null ? file : null;
  });
  return finishRound(ctx, { round, file: drop.name, dataset: entry.dataset, jobId: entry.jobId!, productionBefore: before });
}

interface Started {
  readonly round: number;
  readonly file: string | null;
  readonly dataset: Round['dataset'];
  readonly jobId: number;
  readonly productionBefore: number | null;
}

async function finishRound(ctx: RoundContext, started: Started): Promise<Round> {
  const { client, clients } = ctx;
  const job = await waitFor(`job ${started.jobId} to end`, 10 * 60_000, async () => {
    const j = await client.getJob(started.jobId);
    return ['succeeded', 'failed', 'stopped'].includes(j.state) ? j : null;
  });
  if (job.state !== 'succeeded') throw new Error(`job ${job.id} (${job.name}) ended ${job.state}: see ${join(ctx.dataDir, 'server.log')} and trainyard logs ${job.id}`);
  await settleJob(clients, job.id);
  const evaluation = (await clients.evaluation.list({ job: job.id })).filter((e) => e.suite === LOOP_SUITE).at(-1) ?? null;
  const production = await clients.registry.show(LOOP_MODEL);
  const after = production.aliases.find((a) => a.alias === 'production')?.version ?? null;
  const checkpoints = new Set((await client.listCheckpoints(job.id)).map((c) => c.id));
  const made = production.versions.filter((v) => checkpoints.has(v.checkpointId)).at(-1) ?? null;
  const promoted = made !== null && after === made.version;
  const from = job.initFrom;
  return {
    round: started.round,
    file: started.file,
    dataset: started.dataset,
    jobId: job.id,
    jobName: job.name,
    jobState: job.state,
    tags: job.spec.tags ?? [],
    level: (job.spec.tags ?? []).map(parseCurriculumTag).find((t) => t !== null)?.level ?? null,
    initFrom: from?.model ? { version: from.model.version, checkpointId: from.checkpointId } : null,
    productionBefore: started.productionBefore,
    evaluation: evaluation?.result
      ? { id: evaluation.id, verdict: evaluation.result.verdict, score: evaluation.result.score, values: evaluation.result.values, regressed: evaluation.result.regressions.length > 0 }
      : null,
    decision: promoted ? 'promoted' : 'refused',
    version: promoted ? made.version : null,
    productionAfter: after,
    reason: evaluation ? promotionReason(ctx.dataDir, evaluation.id) : 'no evaluation',
  };
}

/** What the server logged about the promotion rule's decision on this evaluation. */
function promotionReason(dataDir: string, evaluationId: number): string {
  const prefix = `promotion ${LOOP_MODEL}: evaluation ${evaluationId} `;
  let log = '';
  try {
    log = readFileSync(join(dataDir, 'server.log'), 'utf8');
  } catch {
    return '(no server log)';
  }
  const line = log.split('\n').filter((l) => l.includes(prefix)).at(-1);
  if (!line) return '(the server logged no decision)';
  return line.slice(line.indexOf(prefix) + prefix.length).replace(/^\(checkpoint \d+, step \d+\): /, '');
}

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== null) return value;
    await sleep(250);
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
}
