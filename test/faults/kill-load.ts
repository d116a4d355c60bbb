/**
 * The mixed load the server-kill suite drives between kills, and the client-side ledger of what
 * the server acknowledged: submits of jobs running `fault-trainer.mjs` (metric batches and
 * checkpoints over HTTP with their run tokens, acknowledged into `<ledger>/acks.jsonl`), stops,
 * pauses and resumes, evaluations of the checkpoints of some jobs, dataset registrations, and files dropped into the inbox (each registered
 * as a dataset version, then a job). Only what a 2xx answered goes into the ledger; a request cut
 * by the kill is simply not acknowledged.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Random } from '../fuzz/random.ts';
import { REPO } from '../harness.ts';
import { chatRow, drop, type InboxDir } from '../inbox-fixture.ts';

export const TRAINER = join(REPO, 'test', 'faults', 'fault-trainer.mjs');
/** Tag of the jobs the load submits (the inbox's jobs carry `inbox`). */
export const LOAD_TAG = 'faults';
/** The eval suite some jobs ask for: a command that reports one metric and exits. */
export const EVAL_SUITE = {
  name: 'fault-eval',
  command: [process.execPath, '-e', "console.log('#trainyard metrics step=0 loss=0.5')"],
  cwd: REPO,
  metrics: [{ name: 'loss', goal: 'min' }],
};
/** Job states a job leaves by itself. */
export const TERMINAL = ['succeeded', 'failed', 'stopped'];
/**
 * Submits and drops wait while this many jobs (the load's, the inbox's, evaluations) are not
 * finished, as last seen: the 2 cores stay usable and the queue drains at the end.
 */
const MAX_UNFINISHED = 8;

/** What the server acknowledged (besides the trainers' own ledger). */
export interface Ledger {
  /** Submitted jobs by id: the name the answer gave. */
  readonly jobs: Map<number, { name: string }>;
  /** Jobs a stop was acknowledged for. */
  readonly stopped: Set<number>;
  /** Jobs submitted with `evaluate: [EVAL_SUITE]`: each checkpoint they register gets an evaluation. */
  readonly evaluating: Set<number>;
  readonly datasets: Array<{ name: string; version: number; sha256: string }>;
  /** Names of the files dropped into the inbox (each once). */
  readonly drops: string[];
  /** The last state seen of each job (answers; listings, which hold every job), to pick targets. */
  readonly states: Map<number, string>;
  counter: number;
}

export function createLedger(): Ledger {
  return { jobs: new Map(), stopped: new Set(), evaluating: new Set(), datasets: [], drops: [], states: new Map(), counter: 0 };
}

export interface LoadTarget {
  readonly url: string;
  readonly token: string;
  /** Where the trainers write their acknowledgements. */
  readonly ledgerDir: string;
  /** Where dataset sources are written before they are registered. */
  readonly sourceDir: string;
  readonly inbox: InboxDir;
}

type Call = (path: string, body?: unknown) => Promise<{ status: number; body: any }>;

function caller(target: LoadTarget): Call {
  return async (path, body) => {
    const response = await fetch(target.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  };
}

const ACTIONS = ['submit', 'submit', 'submit', 'stop', 'pause', 'resume', 'dataset', 'inbox'] as const;

/**
 * Drives the load from `lanes` concurrent loops until `signal` aborts (the kill). Every action's
 * failure (the server died under it) is swallowed: unacknowledged, so not in the ledger.
 */
export async function driveLoad(target: LoadTarget, ledger: Ledger, random: Random, signal: AbortSignal, lanes = 3): Promise<void> {
  const call = caller(target);
  const lane = async () => {
    while (!signal.aborted) {
      const action = random.pick(ACTIONS);
      try {
        await act(action, target, ledger, random, call);
      } catch {
        // cut by the kill, or refused: not acknowledged
      }
      await new Promise((r) => setTimeout(r, random.int(5, 60)));
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

function unfinished(ledger: Ledger): number {
  return [...ledger.states.values()].filter((state) => !TERMINAL.includes(state)).length;
}

function jobsIn(ledger: Ledger, states: readonly string[]): number[] {
  return [...ledger.states].filter(([id, state]) => ledger.jobs.has(id) && states.includes(state)).map(([id]) => id);
}

async function act(action: (typeof ACTIONS)[number], target: LoadTarget, ledger: Ledger, random: Random, call: Call): Promise<void> {
  const n = ++ledger.counter;
  const seen = (job: any) => job && typeof job.id === 'number' && ledger.states.set(job.id, job.state);
  switch (action) {
    case 'submit': {
      if (unfinished(ledger) >= MAX_UNFINISHED) return;
      const spec = {
        name: `fault-${n}`,
        command: [process.execPath, TRAINER, target.ledgerDir, String(random.int(20, 120)), String(random.int(10, 40)), String(random.int(5, 15))],
        cwd: REPO,
        maxRetries: 5,
        stopGraceSeconds: 30,
        tags: [LOAD_TAG],
        ...(random.chance(0.5) ? { keepCheckpoints: 2 } : {}),
        ...(random.chance(0.15) ? { evaluate: [EVAL_SUITE.name] } : {}),
      };
      const { status, body } = await call('/api/v1/jobs', spec);
      if (status === 201) {
        ledger.jobs.set(body.id, { name: body.name });
        if ('evaluate' in spec) ledger.evaluating.add(body.id);
        seen(body);
      }
      return;
    }
    case 'stop':
    case 'pause': {
      const ids = jobsIn(ledger, action === 'stop' ? ['queued', 'running', 'paused', 'pausing'] : ['running', 'queued']);
      if (ids.length === 0) return;
      const id = random.pick(ids);
      const { status, body } = await call(`/api/v1/jobs/${id}/${action}`);
      if (status === 200) {
        if (action === 'stop') ledger.stopped.add(id);
        seen(body);
      }
      return;
    }
    case 'resume': {
      const ids = jobsIn(ledger, ['paused']);
      if (ids.length === 0) return;
      const { status, body } = await call(`/api/v1/jobs/${random.pick(ids)}/resume`);
      if (status === 200) seen(body);
      return;
    }
    case 'dataset': {
      mkdirSync(target.sourceDir, { recursive: true });
      const path = join(target.sourceDir, `source-${n}.jsonl`);
      writeFileSync(path, Array.from({ length: random.int(3, 40) }, (_, i) => chatRow({ n, i })).join(''));
      const { status, body } = await call('/api/v1/datasets', { name: `set-${n % 3}`, path, format: 'chat', level: 'quick' });
      if (status === 201 || status === 200) ledger.datasets.push({ name: body.name, version: body.version, sha256: body.sha256 });
      return;
    }
    case 'inbox': {
      if (unfinished(ledger) >= MAX_UNFINISHED) return;
      const name = `drop-${n}.jsonl`;
      drop(target.inbox, random.pick(['high', 'normal', 'low']), name, chatRow({ n }));
      ledger.drops.push(name);
      return;
    }
  }
}
