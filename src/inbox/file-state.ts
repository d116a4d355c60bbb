/**
 * The life of an inbox file, as pure decisions: where it goes when its job ends, what to do
 * with a move that a crash may have interrupted, and the text written beside a failed file.
 *
 *   inbox/<priority>/f ──arriving──► processing/f ──► queued (job N) ──leaving──► done/f
 *                                         │                              └──────► failed/f + f.reason
 *                                         └── duplicate, no template, invalid data or spec ──leaving──► failed/
 */
import type { ValidationReport } from '../core/datasets.ts';
import { TERMINAL_JOB_STATES, type Job, type JobState } from '../core/types.ts';
import type { InboxFile } from '../store/store.ts';

export interface Exit {
  readonly outcome: 'done' | 'failed';
  readonly reason: string | null;
}

/** Job states after which a job never runs again; any other state is still on its way. */
const ENDED: ReadonlySet<JobState> = new Set(TERMINAL_JOB_STATES);

/**
 * Where a queued file goes, given its job (null: the job no longer exists); null while the
 * job has not ended. Only a job that succeeded sends its file to done/.
 */
export function exitForJob(jobId: number, job: Pick<Job, 'state' | 'outcome'> | null): Exit | null {
  if (job === null) return { outcome: 'failed', reason: `job ${jobId} no longer exists` };
  if (!ENDED.has(job.state)) return null;
  if (job.state === 'succeeded') return { outcome: 'done', reason: null };
  const detail = job.outcome ? `: ${job.outcome.detail}` : '';
  return { outcome: 'failed', reason: job.state === 'stopped' ? `job ${jobId} was stopped${detail}` : `job ${jobId} failed${detail}` };
}

/** Whether each end of a planned move exists on disk. */
export interface Presence {
  readonly from: boolean;
  readonly to: boolean;
}

/**
 * An `arriving` file found at the start of a tick was interrupted (the mover finishes a move
 * within one step otherwise). Its target was free when planned and only the inbox writes into
 * processing/, so a file there is this one: complete. Else it was not moved: forget the record
 * and let the watcher look at the file afresh (it may have changed since it was hashed).
 */
export function arrivalStep(presence: Presence): 'complete' | 'forget' {
  return presence.to ? 'complete' : 'forget';
}

/**
 * The next step of a `leaving` file. `retarget`: both ends exist, so something else took the
 * target name; plan another name rather than overwrite. `vanished`: neither exists (removed
 * by hand); record that, there is nothing to move.
 */
export function exitStep(presence: Presence): 'rename' | 'complete' | 'retarget' | 'vanished' {
  if (presence.from) return presence.to ? 'retarget' : 'rename';
  return presence.to ? 'complete' : 'vanished';
}

/** The reason a duplicate fails with. */
export function duplicateReason(original: Pick<InboxFile, 'name' | 'path' | 'nextPath' | 'jobId'> | null): string {
  if (original === null) return 'duplicate of an earlier file';
  const where = original.nextPath ?? original.path ?? original.name;
  return `duplicate of ${where} (${original.jobId === null ? 'no job yet' : `job ${original.jobId}`})`;
}

/** Problems named in a failed registration's reason; the rest are in the report beside it. */
export const REASON_PROBLEMS = 3;

/**
 * The reason a file whose dataset version failed validation goes to failed/ with: the depth,
 * the error count and the report's first problems, each with its file, line and field
 * ("validation failed (chat, standard): 2 errors: a.jsonl line 2: invalid-json: not valid JSON; …").
 */
export function validationFailedReason(report: Pick<ValidationReport, 'format' | 'level' | 'errors' | 'rules' | 'summary'>, max = REASON_PROBLEMS): string {
  const problems = report.rules
    .filter((rule) => rule.severity === 'error')
    .flatMap((rule) => rule.examples.map((e) => {
      const where = [e.line === null ? null : `line ${e.line}`, e.field === null ? null : `field ${e.field}`].filter(Boolean).join(', ');
      return `${e.file}${where ? ` ${where}` : ''}: ${rule.rule}: ${e.message}`;
    }));
  const head = `validation failed (${report.format}, ${report.level}): ${report.errors} error${report.errors === 1 ? '' : 's'}`;
  if (problems.length === 0) return `${head}: ${report.summary}`;
  const more = report.errors - Math.min(max, problems.length);
  return `${head}: ${problems.slice(0, max).join('; ')}${more > 0 ? ` (and ${more} more in the report)` : ''}`;
}

/** The `.reason` file beside a failed file: a readable reason, the facts, then the report. */
export function reasonFileText(file: Pick<InboxFile, 'name' | 'priority' | 'sha256' | 'jobId' | 'reason' | 'report'>): string {
  const lines = [
    file.reason ?? 'failed',
    '',
    `file: ${file.name} (dropped into inbox/${file.priority}/)`,
    `sha256: ${file.sha256}`,
    `job: ${file.jobId ?? 'none'}`,
  ];
  if (file.report !== null) lines.push('', 'validation report:', prettyJson(file.report));
  return `${lines.join('\n')}\n`;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
