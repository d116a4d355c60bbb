/**
 * Reads what a study's report needs from the store and builds it (core/study-report.ts): for
 * every launched trial its runs, the chosen metrics' series (summed up to final, best and
 * step-of-best), its checkpoints and artifacts. A read only: nothing is written.
 *
 * Reading every series is most of the cost (1,000 runs × 10 metrics: 10,000 series reads), so
 * what an ended trial's job holds (its series' summaries, its metric names, runs, checkpoints
 * and artifacts) is kept in a `ReportCache`, keyed by the job and its end time: a job that ends
 * again (resumed, then ended) has a new end time and is read afresh. The checkpoints are those
 * the job registered: retention may delete a file later, its id stays the evidence.
 */
import { createHash } from 'node:crypto';
import { NotFoundError } from '../core/errors.ts';
import { buildStudyReport, canonicalJson, chooseMetrics, summarizeSeries, type ReportTrialInput, type SeriesSummary, type StudyReport } from '../core/study-report.ts';
import type { Run } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import { ENDED_JOB_STATES, type Trial } from '../core/study-record.ts';

export type ReportStore = Pick<Store, 'getStudy' | 'listTrials' | 'listRuns' | 'listSeries' | 'readSeries' | 'listCheckpoints' | 'listArtifacts'>;

/** What an ended job's report needs. */
interface EndedJob {
  readonly endedAt: number;
  readonly keys: ReadonlySet<string>;
  readonly runs: readonly Run[];
  readonly checkpoints: ReportTrialInput['checkpoints'];
  readonly artifacts: ReportTrialInput['artifacts'];
  /** `${metric}:${mode}` → its summary. */
  readonly series: Map<string, SeriesSummary>;
}

/** Ended jobs' reads, kept between reports. Default bound: 20,000 jobs (then it starts afresh). */
export interface ReportCache {
  readonly jobs: Map<number, EndedJob>;
  readonly maxJobs: number;
}

export function createReportCache(maxJobs = 20_000): ReportCache {
  return { jobs: new Map(), maxJobs };
}

const ended = (t: Trial) => t.endedAt !== null && ENDED_JOB_STATES.includes(t.state as never);

/**
 * The report of study `name` over `metrics` (null: the objective, else every metric the trials
 * reported). NotFoundError for an unknown study.
 */
export async function loadStudyReport(store: ReportStore, name: string, metrics: readonly string[] | null, now: number, cache: ReportCache = createReportCache()): Promise<StudyReport> {
  const study = await store.getStudy(name);
  if (!study) throw new NotFoundError('study', name);
  const trials = await store.listTrials(study.id);

  /** The job's cached reads when it ended and they are of this end, else fresh ones (kept when it ended). */
  const jobOf = async (trial: Trial): Promise<EndedJob> => {
    const jobId = trial.jobId!;
    const kept = cache.jobs.get(jobId);
    if (kept && ended(trial) && kept.endedAt === trial.endedAt) return kept;
    const [series, runs, checkpoints, artifacts] = await Promise.all([store.listSeries(jobId), store.listRuns(jobId), store.listCheckpoints(jobId), store.listArtifacts(jobId)]);
    const read: EndedJob = {
      endedAt: trial.endedAt ?? -1,
      keys: new Set(series.map((x) => x.key)),
      runs,
      checkpoints: checkpoints.map((c) => ({ id: c.id, step: c.step, createdAt: c.createdAt })),
      artifacts: artifacts.map((a) => ({ id: a.id, runId: a.runId, name: a.name, kind: a.kind, step: a.step, createdAt: a.createdAt })),
      series: new Map(),
    };
    if (ended(trial)) {
      if (cache.jobs.size >= cache.maxJobs) cache.jobs.clear();
      cache.jobs.set(jobId, read);
    }
    return read;
  };

  const jobs = new Map<number, EndedJob>();
  for (const t of trials) if (t.jobId !== null) jobs.set(t.jobId, await jobOf(t));
  const chosen = chooseMetrics(metrics, study.spec.objective, [...jobs.values()].flatMap((j) => [...j.keys]));

  const inputs: ReportTrialInput[] = [];
  for (const trial of trials) {
    const jobId = trial.jobId;
    if (jobId === null) {
      inputs.push({ trial, runs: [], series: {}, checkpoints: [], artifacts: [] });
      continue;
    }
    const job = jobs.get(jobId)!;
    const series: Record<string, SeriesSummary> = {};
    for (const m of chosen) {
      if (!job.keys.has(m.name)) continue;
      const key = `${m.name}:${m.mode}`;
      let summary = job.series.get(key);
      if (!summary) {
        const points = await store.readSeries(jobId, m.name);
        summary = summarizeSeries(points.steps, points.values, m.mode);
        job.series.set(key, summary);
      }
      series[m.name] = summary;
    }
    inputs.push({ trial, runs: job.runs, series, checkpoints: job.checkpoints, artifacts: job.artifacts });
  }
  const specHash = createHash('sha256').update(canonicalJson(study.spec)).digest('hex');
  return buildStudyReport({ study: { name: study.name, state: study.state, spec: study.spec }, trials: inputs, metrics: chosen, specHash, now });
}
