/**
 * Reads what a study's report needs from the store and builds it (core/study-report.ts): for
 * every launched trial its runs, the chosen metrics' series (summed up to final, best and
 * step-of-best), its checkpoints and artifacts. A read only: nothing is written.
 *
 * Reading the series is most of the cost (1,000 runs × 10 metrics: 10,000 series), so each
 * metric is read for every trial's job at once (`seriesExtremesOfJobs`: one read a metric, the
 * points summed up in the store, not returned), and the metric names of every job come in one
 * read too (`latestValuesOfJobs`), as do their runs, checkpoints and artifacts
 * (`listRunsOfJobs`, `listCheckpointsOfJobs`, `listArtifactsOfJobs`: four reads in all, not
 * three a job). What an ended trial's job holds (its series' summaries, its metric names, runs,
 * checkpoints and artifacts) is kept in a `ReportCache`, keyed by the job and its end time: a
 * job that ends again (resumed, then ended) has a new end time and is read afresh. The
 * checkpoints are those the job registered: retention may delete a file later, its id stays the
 * evidence.
 */
import { createHash } from 'node:crypto';
import { NotFoundError } from '../core/errors.ts';
import { NO_EXTREMES, type SeriesExtremes } from '../core/metrics/series-extremes.ts';
import { buildStudyReport, canonicalJson, chooseMetrics, type ReportTrialInput, type SeriesSummary, type StudyReport } from '../core/study-report.ts';
import type { Artifact } from '../core/artifacts.ts';
import type { Checkpoint, Run } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import { ENDED_JOB_STATES, type Trial } from '../core/study-record.ts';

export type ReportStore = Pick<Store, 'getStudy' | 'listTrials' | 'listRunsOfJobs' | 'latestValuesOfJobs' | 'seriesExtremesOfJobs' | 'listCheckpointsOfJobs' | 'listArtifactsOfJobs'>;

/** What an ended job's report needs. */
interface EndedJob {
  readonly endedAt: number;
  readonly keys: ReadonlySet<string>;
  readonly runs: readonly Run[];
  readonly checkpoints: ReportTrialInput['checkpoints'];
  readonly artifacts: ReportTrialInput['artifacts'];
  /** Metric → its series' extremes (the summary of either mode). */
  readonly series: Map<string, SeriesExtremes>;
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

  // Each job's cached reads when it ended and they are of this end, else fresh ones (kept when it ended).
  const jobs = new Map<number, EndedJob>();
  const fresh = trials.filter((t) => {
    if (t.jobId === null) return false;
    const kept = cache.jobs.get(t.jobId);
    if (kept && ended(t) && kept.endedAt === t.endedAt) {
      jobs.set(t.jobId, kept);
      return false;
    }
    return true;
  });
  const freshIds = fresh.map((t) => t.jobId!);
  const [keysOf, runsOf, checkpointsOf, artifactsOf] = freshIds.length === 0
    ? [new Map<number, Record<string, unknown>>(), new Map<number, Run[]>(), new Map<number, Checkpoint[]>(), new Map<number, Artifact[]>()]
    : await Promise.all([store.latestValuesOfJobs(freshIds), store.listRunsOfJobs(freshIds), store.listCheckpointsOfJobs(freshIds), store.listArtifactsOfJobs(freshIds)]);
  for (const trial of fresh) {
    const jobId = trial.jobId!;
    const read: EndedJob = {
      endedAt: trial.endedAt ?? -1,
      keys: new Set(Object.keys(keysOf.get(jobId) ?? {})),
      runs: runsOf.get(jobId) ?? [],
      checkpoints: (checkpointsOf.get(jobId) ?? []).map((c) => ({ id: c.id, step: c.step, createdAt: c.createdAt })),
      artifacts: (artifactsOf.get(jobId) ?? []).map((a) => ({ id: a.id, runId: a.runId, name: a.name, kind: a.kind, step: a.step, createdAt: a.createdAt })),
      series: new Map(),
    };
    if (ended(trial)) {
      if (cache.jobs.size >= cache.maxJobs) cache.jobs.clear();
      cache.jobs.set(jobId, read);
    }
    jobs.set(jobId, read);
  }
  const chosen = chooseMetrics(metrics, study.spec.objective, [...jobs.values()].flatMap((j) => [...j.keys]));

  // One read a metric, over every job that reported it and has no summary of it kept.
  for (const m of chosen) {
    const unread = [...jobs].filter(([, job]) => job.keys.has(m.name) && !job.series.has(m.name)).map(([jobId]) => jobId);
    if (unread.length === 0) continue;
    const extremes = await store.seriesExtremesOfJobs(unread, m.name);
    for (const jobId of unread) jobs.get(jobId)!.series.set(m.name, extremes.get(jobId) ?? NO_EXTREMES);
  }

  const inputs: ReportTrialInput[] = trials.map((trial) => {
    const job = trial.jobId === null ? undefined : jobs.get(trial.jobId);
    if (job === undefined) return { trial, runs: [], series: {}, checkpoints: [], artifacts: [] };
    const series: Record<string, SeriesSummary> = {};
    for (const m of chosen) {
      const e = job.series.get(m.name);
      if (e !== undefined) series[m.name] = { final: e.final, best: m.mode === 'min' ? e.min : e.max };
    }
    return { trial, runs: job.runs, series, checkpoints: job.checkpoints, artifacts: job.artifacts };
  });
  const specHash = createHash('sha256').update(canonicalJson(study.spec)).digest('hex');
  return buildStudyReport({ study: { name: study.name, state: study.state, spec: study.spec }, trials: inputs, metrics: chosen, specHash, now });
}
