/**
 * `submit --follow` and `demo`: follows a job to its end with a live progress bar on a terminal
 * (redrawn in place, at most 10 times a second) or plain periodic lines elsewhere, then prints
 * the outcome. Ctrl-C detaches: the job keeps running.
 */
import { TERMINAL_JOB_STATES } from '../core/types.ts';
import type { ApiJob, Checkpoint, Client, JobDetail, LatestPoint } from '../sdk/client.ts';
import { escapeControlChars, formatDuration, formatMetrics, formatThousands, formatValue, formatBytes } from './format.ts';
import type { Io, Output } from './io.ts';
import { createRateEstimator, pickLossKey, renderBar, renderLine, type ProgressView } from './progress.ts';
import { interruptController, watchJob } from './watch.ts';

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_JOB_STATES);

export interface FollowResult {
  /** The job as it was when following ended. */
  readonly job: JobDetail;
  /** True when Ctrl-C ended the following, not the job. */
  readonly detached: boolean;
}

export interface FollowOptions {
  /** Where the live view goes. Default: stdout. */
  readonly out?: Output;
  /** Seconds between plain lines when `out` is not a terminal. Default: 5. */
  readonly lineEverySeconds?: number;
}

/** Follows job `jobId` until it ends or Ctrl-C; the live view goes to `options.out`. */
export async function followJob(client: Client, jobId: number, io: Io, options: FollowOptions = {}): Promise<FollowResult> {
  const out = options.out ?? io.stdout;
  const view = createLiveView(out, jobId, io.now, options.lineEverySeconds ?? 5);
  const interrupt = interruptController(io.onInterrupt);
  try {
    await watchJob(
      client,
      jobId,
      {
        onJob: (job) => view.job(job),
        onEvent: (event) => {
          if (event.type === 'metrics') view.metrics(event.data.latest);
          else if (event.type === 'checkpoint') view.checkpoint(event.data);
        },
        onConnectionLost: (error) => view.note(`${error.message}; retrying…`),
      },
      { signal: interrupt.signal },
    );
  } finally {
    interrupt.dispose();
    view.close();
  }
  const detached = interrupt.interrupted();
  if (detached) {
    io.stderr.write(`\ndetached from job ${jobId}: it keeps running (\`trainyard logs ${jobId} -f\` follows its log, \`trainyard stop ${jobId}\` stops it)\n`);
  }
  return { job: await client.getJob(jobId), detached };
}

/** The live view's state machine; all output goes through it so the bar never garbles a line. */
function createLiveView(out: Output, jobId: number, now: () => number, lineEverySeconds: number) {
  const tty = Boolean(out.isTTY);
  const estimator = createRateEstimator();
  const latest: Record<string, LatestPoint> = {};
  let job: ApiJob | null = null;
  let barShown = false;
  let lastDraw = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastLine = '';
  let lastLineAt = 0;

  /** The newest step known: the job's progress, or a metric reported since (progress lags). */
  const currentStep = (): number | null => {
    const steps = Object.values(latest).map((p) => p.step);
    if (job?.progress.step !== null && job?.progress.step !== undefined) steps.push(job.progress.step);
    return steps.length > 0 ? Math.max(...steps) : null;
  };

  const toView = (): ProgressView => {
    const progress = job?.progress;
    const lossKey = pickLossKey(Object.keys(latest));
    const step = currentStep();
    const rate = progress?.rate ?? estimator.rate();
    return {
      jobId,
      state: job?.state ?? 'queued',
      attempt: job?.attempts ?? 0,
      step,
      total: progress?.total ?? null,
      rate,
      etaSeconds: eta(step, progress?.total, rate) ?? progress?.etaSeconds ?? null,
      loss: lossKey ? { key: lossKey, value: latest[lossKey].value } : null,
    };
  };

  const draw = () => {
    timer = undefined;
    lastDraw = now();
    const width = Math.max(40, (out.columns || 100) - 1);
    out.write(`\r${renderBar(toView(), width)}\x1b[K`);
    barShown = true;
  };

  const refresh = () => {
    if (tty) {
      if (timer) return;
      const wait = Math.max(0, 100 - (now() - lastDraw));
      timer = setTimeout(draw, wait);
      return;
    }
    const view = toView();
    const line = renderLine(view);
    if (view.step !== null && line !== lastLine && now() - lastLineAt >= lineEverySeconds * 1000) {
      out.write(`${line}\n`);
      lastLine = line;
      lastLineAt = now();
    }
  };

  const note = (text: string) => {
    if (barShown) out.write('\r\x1b[K');
    barShown = false;
    out.write(`${text}\n`);
    if (tty) refresh();
  };

  return {
    note,
    job(next: ApiJob): boolean {
      const previous = job;
      job = next;
      if (previous && previous.attempts !== next.attempts) for (const key of Object.keys(latest)) delete latest[key];
      const step = currentStep();
      if (step !== null) estimator.observe(now(), step);
      if (!previous || previous.state !== next.state || previous.attempts !== next.attempts) note(describeTransition(previous, next));
      refresh();
      return TERMINAL.has(next.state);
    },
    metrics(points: Readonly<Record<string, LatestPoint>>) {
      Object.assign(latest, points);
      const step = currentStep();
      if (step !== null) estimator.observe(now(), step);
      refresh();
    },
    checkpoint(c: Checkpoint) {
      note(`checkpoint at step ${formatThousands(c.step)}: ${escapeControlChars(c.path)}${Object.keys(c.metrics).length ? ` (${formatMetrics(c.metrics)})` : ''}`);
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (barShown) {
        draw();
        out.write('\n');
        barShown = false;
      } else if (!tty && job && job.progress.step !== null) {
        const line = renderLine(toView());
        if (line !== lastLine) out.write(`${line}\n`);
      }
    },
  };
}

function eta(step: number | null | undefined, total: number | null | undefined, rate: number | null): number | null {
  if (step === null || step === undefined || !total || !rate || rate <= 0) return null;
  return Math.max(0, (total - step) / rate);
}

function describeTransition(previous: ApiJob | null, next: ApiJob): string {
  const name = `job ${next.id} (${escapeControlChars(next.name ?? next.spec.name)})`;
  if (next.state === 'running') return `${name} running: attempt ${next.attempts}`;
  if (next.state === 'queued' && previous && next.outcome) {
    const wait = next.notBefore ? `; retrying in ${formatDuration(Math.max(0, next.notBefore - Date.now()))}` : '; retrying';
    return `${name} attempt ${next.attempts} ended: ${escapeControlChars(next.outcome.detail || next.outcome.kind)}${wait}`;
  }
  return `${name} ${next.state}`;
}

/** The closing report of a followed job: state, outcome, last metrics, latest checkpoint. */
export function describeOutcome(job: JobDetail, checkpoints: readonly Checkpoint[] | null): string {
  const lines: string[] = [];
  const took = job.startedAt && job.endedAt ? ` in ${formatDuration(job.endedAt - job.startedAt)}` : '';
  const attempts = `${job.attempts} attempt${job.attempts === 1 ? '' : 's'}`;
  lines.push(`job ${job.id} ${job.state}${took} (${attempts})`);
  if (job.outcome) lines.push(`outcome: ${job.outcome.kind}${job.outcome.detail ? ` (${escapeControlChars(job.outcome.detail)})` : ''}`);
  const keys = Object.keys(job.latest ?? {}).sort();
  if (keys.length > 0) {
    const steps = new Set(keys.map((k) => job.latest[k].step));
    if (steps.size === 1) {
      lines.push(`last metrics (step ${formatThousands(job.latest[keys[0]].step)}): ${keys.map((k) => `${k} ${formatValue(job.latest[k].value)}`).join(' · ')}`);
    } else {
      lines.push(`last metrics: ${keys.map((k) => `${k} ${formatValue(job.latest[k].value)} @ ${formatThousands(job.latest[k].step)}`).join(' · ')}`);
    }
  }
  if (checkpoints) {
    const checkpoint = latestCheckpoint(checkpoints);
    lines.push(checkpoint ? `checkpoint: ${describeCheckpoint(checkpoint)}` : 'checkpoint: none registered');
  }
  return `${lines.join('\n')}\n`;
}

/** The newest checkpoint whose file still exists, or null. */
export function latestCheckpoint(checkpoints: readonly Checkpoint[]): Checkpoint | null {
  const live = checkpoints.filter((c) => !c.deleted);
  return live.reduce<Checkpoint | null>((best, c) => (!best || c.step > best.step || (c.step === best.step && c.createdAt > best.createdAt) ? c : best), null);
}

/** "/abs/step-500.pt (step 500 · 1.2 MiB · loss 1.23)". */
export function describeCheckpoint(c: Checkpoint): string {
  const metrics = Object.keys(c.metrics).length > 0 ? ` · ${formatMetrics(c.metrics)}` : '';
  return `${escapeControlChars(c.path)} (step ${formatThousands(c.step)} · ${formatBytes(c.bytes)}${metrics})`;
}
