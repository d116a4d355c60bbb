/**
 * The invariants the server-kill suite checks after each restart, against the client-side ledger
 * (kill-load.ts) and the trainers' `acks.jsonl`:
 *
 * - no job lost: every acknowledged submit is there, under its name;
 * - no job stuck: none stays `stopping`/`pausing`, none stays `running` with its trainer dead,
 *   no job has two trainers alive, for longer than `SETTLE_MS` of server uptime;
 * - no acknowledged metric point lost or duplicated (a point past the resume step of a later run
 *   is superseded by design: launch.ts);
 * - no acknowledged checkpoint lost, and its file there unless retention deleted it (`deleted`);
 * - no acknowledged dataset version lost, its content there; no orphaned content survives a
 *   start (what the dead server left in `<data>/datasets` is removed or named by a version once
 *   the next one answers);
 * - every acknowledged checkpoint of a job that asked for an eval suite evaluated once, and done
 *   (checked when everything has finished);
 * - no inbox file lost: while the server is down, every dropped file is in exactly one folder.
 *
 * Each check returns violations as sentences; the suite fails with them and the seed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FOLDERS, type InboxDir } from '../inbox-fixture.ts';
import { EVAL_SUITE, TERMINAL, type Ledger } from './kill-load.ts';

/** How long (server uptime) a transient condition may last before it counts as stuck. */
export const SETTLE_MS = 45_000;

/** A checkpoint's record may lag its file's deletion by retention this long (file first, then record). */
const RETENTION_SETTLE_MS = 15_000;

type Api = (path: string) => Promise<any>;

/** Conditions that must not persist: each key's first sighting, in server-uptime milliseconds. */
export class Persistence {
  private readonly since = new Map<string, number>();
  /** The keys seen now that have lasted longer than `limitMs`; keys not seen now are forgotten. */
  observe(keys: Map<string, string>, uptimeMs: number, limitMs = SETTLE_MS): string[] {
    for (const key of [...this.since.keys()]) if (!keys.has(key)) this.since.delete(key);
    const stuck: string[] = [];
    for (const [key, text] of keys) {
      const first = this.since.get(key) ?? uptimeMs;
      this.since.set(key, first);
      if (uptimeMs - first > limitMs) stuck.push(`${text} for ${Math.round((uptimeMs - first) / 1000)} s of server uptime`);
    }
    return stuck;
  }
}

export interface Ack {
  readonly kind: 'metrics' | 'checkpoint';
  readonly jobId: number;
  readonly runId: number;
  readonly steps?: number[];
  readonly values?: number[];
  readonly batchId?: string;
  readonly id?: number;
  readonly step?: number;
  readonly path?: string;
}

/** Every acknowledgement the trainers wrote so far (a torn last line is left for the next read). */
export function readAcks(ledgerDir: string): Ack[] {
  const path = join(ledgerDir, 'acks.jsonl');
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function trainerPid(ledgerDir: string, runId: number): number | null {
  const path = join(ledgerDir, `pid-${runId}`);
  return existsSync(path) ? Number(readFileSync(path, 'utf8')) || null : null;
}

/** Jobs: none lost; transient conditions fed to `persistence`. Returns violations and every job by id. */
export async function checkJobs(api: Api, ledger: Ledger, ledgerDir: string, persistence: Persistence, uptimeMs: number): Promise<{ violations: string[]; jobs: Map<number, any> }> {
  const listed: any[] = (await api('/api/v1/jobs?limit=10000')).jobs;
  const jobs = new Map(listed.map((job) => [job.id, job]));
  const violations: string[] = [];
  for (const [id, { name }] of ledger.jobs) {
    const job = jobs.get(id);
    if (!job) violations.push(`job ${id} (${name}) was acknowledged at submit and is gone`);
    else if (job.name !== name) violations.push(`job ${id} was submitted as ${name} and is now named ${job.name}`);
  }
  const conditions = new Map<string, string>();
  for (const job of listed) {
    const was = ledger.states.get(job.id);
    ledger.states.set(job.id, job.state);
    // Runs of finished jobs are looked at once more, the first time they are seen finished.
    if (TERMINAL.includes(job.state) && was !== undefined && TERMINAL.includes(was)) continue;
    if (job.state === 'stopping' || job.state === 'pausing') conditions.set(`${job.id}:${job.state}`, `job ${job.id} ${job.state}`);
    if (!ledger.jobs.has(job.id)) continue; // the inbox's consumer jobs write no pid files
    const full = await api(`/api/v1/jobs/${job.id}`);
    const live = full.runs.filter((run: any) => {
      const pid = trainerPid(ledgerDir, run.id);
      return pid !== null && alive(pid);
    });
    if (live.length > 1) conditions.set(`${job.id}:two`, `job ${job.id} has trainers of runs ${live.map((r: any) => r.id).join(', ')} alive at once`);
    for (const run of live) {
      if (run.state !== 'running') conditions.set(`${job.id}:${run.id}:orphan`, `run ${run.id} of job ${job.id} is ${run.state} while its trainer is alive`);
    }
    const current = full.runs.find((run: any) => run.state === 'running');
    if (['running', 'stopping', 'pausing'].includes(job.state) && current) {
      const pid = trainerPid(ledgerDir, current.id);
      if (pid !== null && !alive(pid)) conditions.set(`${job.id}:${current.id}:dead`, `job ${job.id} is ${job.state} with run ${current.id}'s trainer dead`);
    }
  }
  violations.push(...persistence.observe(conditions, uptimeMs));
  return { violations, jobs };
}

/** Acknowledged metric points of `jobIds`: each present exactly once unless superseded. */
export async function checkMetrics(api: Api, acks: readonly Ack[], jobIds: Iterable<number>): Promise<string[]> {
  const violations: string[] = [];
  for (const jobId of jobIds) {
    const mine = acks.filter((a) => a.jobId === jobId && a.kind === 'metrics');
    if (mine.length === 0) continue;
    const job = await api(`/api/v1/jobs/${jobId}`);
    const attemptOf = new Map<number, number>(job.runs.map((r: any) => [r.id, r.attempt]));
    const series = await api(`/api/v1/jobs/${jobId}/metrics/x?buckets=100000`);
    const counts = new Map<number, number>();
    for (const value of series.values ?? []) counts.set(value, (counts.get(value) ?? 0) + 1);
    for (const [value, count] of counts) if (count > 1) violations.push(`job ${jobId}: point x=${value} stored ${count} times`);
    for (const ack of mine) {
      const attempt = attemptOf.get(ack.runId);
      if (attempt === undefined) {
        violations.push(`job ${jobId}: run ${ack.runId} (batch ${ack.batchId} acknowledged) is not among its runs`);
        continue;
      }
      ack.steps!.forEach((step, i) => {
        const superseded = job.runs.some((r: any) => r.attempt > attempt && (r.resumeStep ?? -Infinity) < step);
        if (!superseded && !counts.has(ack.values![i])) violations.push(`job ${jobId}: acknowledged point step ${step} of run ${ack.runId} (batch ${ack.batchId}) is lost`);
      });
    }
  }
  return violations;
}

/** Acknowledged checkpoints of `jobIds`: recorded, and their file there unless retention deleted it. */
export async function checkCheckpoints(api: Api, acks: readonly Ack[], jobIds: Iterable<number>, persistence: Persistence, uptimeMs: number): Promise<string[]> {
  const violations: string[] = [];
  const conditions = new Map<string, string>();
  for (const jobId of jobIds) {
    const mine = acks.filter((a) => a.jobId === jobId && a.kind === 'checkpoint');
    if (mine.length === 0) continue;
    const records = new Map<number, any>((await api(`/api/v1/jobs/${jobId}/checkpoints`)).checkpoints.map((c: any) => [c.id, c]));
    for (const ack of mine) {
      const record = records.get(ack.id!);
      if (!record) violations.push(`job ${jobId}: acknowledged checkpoint ${ack.id} (step ${ack.step}) is not recorded`);
      else if (!record.deleted && !existsSync(record.path)) conditions.set(`ckpt:${record.id}`, `job ${jobId}: checkpoint ${record.id} (step ${record.step}) is live but its file ${record.path} is gone`);
    }
  }
  violations.push(...persistence.observe(conditions, uptimeMs, RETENTION_SETTLE_MS));
  return violations;
}

/** Once everything finished: each acknowledged checkpoint of an evaluating job has one evaluation, done. */
export async function checkEvaluations(api: Api, acks: readonly Ack[], ledger: Ledger): Promise<string[]> {
  const violations: string[] = [];
  for (const jobId of ledger.evaluating) {
    const mine = new Set(acks.filter((a) => a.jobId === jobId && a.kind === 'checkpoint').map((a) => a.id));
    if (mine.size === 0) continue;
    for (const checkpoint of (await api(`/api/v1/jobs/${jobId}/checkpoints`)).checkpoints) {
      if (!mine.has(checkpoint.id)) continue;
      const evaluations = checkpoint.evaluations.filter((e: any) => e.suite === EVAL_SUITE.name);
      if (evaluations.length !== 1) violations.push(`job ${jobId}: checkpoint ${checkpoint.id} (step ${checkpoint.step}) has ${evaluations.length} evaluations by ${EVAL_SUITE.name}, 1 expected`);
      else if (evaluations[0].state !== 'done') violations.push(`job ${jobId}: the evaluation of checkpoint ${checkpoint.id} is ${evaluations[0].state} after everything finished`);
    }
  }
  return violations;
}

/** The content folders and partial copies in `<data>/datasets` now. */
export function datasetEntries(dataDir: string): string[] {
  const dir = join(dataDir, 'datasets');
  return existsSync(dir) ? readdirSync(dir).filter((name) => /^[0-9a-f]{64}$/.test(name) || name.startsWith('.incoming-')) : [];
}

/**
 * Acknowledged dataset versions there with their content; what the dead server left behind
 * (`leftBehind`, read while it was down) either removed or named by a version now.
 */
export async function checkDatasets(api: Api, ledger: Ledger, dataDir: string, leftBehind: readonly string[]): Promise<string[]> {
  const violations: string[] = [];
  const versions = await datasetVersions(api);
  for (const ack of ledger.datasets) {
    const sha = versions.get(`${ack.name}@${ack.version}`);
    if (sha !== ack.sha256) violations.push(`dataset ${ack.name}@${ack.version} (acknowledged, ${ack.sha256.slice(0, 12)}) is ${sha ? `now ${sha.slice(0, 12)}` : 'gone'}`);
    else if (!existsSync(join(dataDir, 'datasets', sha))) violations.push(`dataset ${ack.name}@${ack.version}: its content ${sha.slice(0, 12)} is gone`);
  }
  // The new server may be registering the same content again meanwhile (an inbox file whose
  // registration the kill cut is taken up again): its copy lands before its version does. So a
  // leftover still there unnamed is looked at again until the registration under way ends.
  let unnamed = leftBehind;
  for (const deadline = Date.now() + 30_000; ; await sleep(250)) {
    const named = new Set((await datasetVersions(api)).values());
    const now = new Set(datasetEntries(dataDir));
    unnamed = unnamed.filter((entry) => now.has(entry) && !named.has(entry));
    if (unnamed.length === 0 || Date.now() > deadline) break;
  }
  for (const entry of unnamed) violations.push(`orphaned content ${entry} in datasets/ survived the restart (no version names it after 30 s)`);
  return violations;
}

/** `name@version` → sha256 of every dataset version the server lists. */
async function datasetVersions(api: Api): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  for (const dataset of (await api('/api/v1/datasets')).datasets) {
    for (const version of (await api(`/api/v1/datasets/${encodeURIComponent(dataset.name)}`)).versions) {
      versions.set(`${dataset.name}@${version.version}`, version.sha256);
    }
  }
  return versions;
}

/** While the server is down: every dropped file in exactly one inbox folder. */
export function checkInbox(dir: InboxDir, drops: readonly string[]): string[] {
  const violations: string[] = [];
  for (const name of drops) {
    const where = FOLDERS.filter((folder) => existsSync(join(dir.inbox, folder, name)));
    if (where.length !== 1) violations.push(`inbox file ${name} is in ${where.length === 0 ? 'no folder: lost' : `${where.join(' and ')}`}`);
  }
  return violations;
}
