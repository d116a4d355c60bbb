/**
 * Stop, pause, resume and priority for one job. Only for tokens that may act (admin), and
 * pause/resume/priority only when the server's OpenAPI document lists their routes.
 * `useJobCommands` is shared with the jobs page's keyboard shortcuts.
 */
import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { TERMINAL_JOB_STATES } from '../../../src/core/types.ts';
import type { Job } from '../api/http.ts';
import { useSession } from '../session.tsx';
import { useConfirm } from './confirm.tsx';

const ENDED: ReadonlySet<string> = new Set(TERMINAL_JOB_STATES);
export const PRIORITY_CLASSES = ['high', 'normal', 'low'] as const;

export function priorityClassOf(job: Job): string | null {
  const p = job.priority;
  if (p === null || p === undefined) return null;
  return typeof p === 'number' ? String(p) : p.class;
}

export interface JobCommands {
  readonly canStop: (job: Job) => boolean;
  readonly canPause: (job: Job) => boolean;
  readonly canResume: (job: Job) => boolean;
  readonly canPrioritise: (job: Job) => boolean;
  stop(job: Job): Promise<void>;
  pause(job: Job): Promise<void>;
  resume(job: Job): Promise<void>;
  setPriority(job: Job, priority: string): Promise<void>;
  /** The confirm dialog, to render once. */
  readonly dialog: ReactNode;
  readonly error: string | null;
  readonly busy: boolean;
}

export function useJobCommands(onChanged?: (job: Job) => void): JobCommands {
  const { api, caps, canWrite } = useSession();
  const [confirm, dialog] = useConfirm();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = useCallback(async (call: () => Promise<Job>) => {
    setBusy(true);
    setError(null);
    try {
      onChanged?.(await call());
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }, [onChanged]);

  return useMemo(() => ({
    canStop: (job: Job) => canWrite && !ENDED.has(job.state) && job.state !== 'stopping',
    canPause: (job: Job) => canWrite && caps.pause && (job.state === 'running' || job.state === 'queued'),
    canResume: (job: Job) => canWrite && caps.resume && job.state === 'paused',
    canPrioritise: (job: Job) => canWrite && caps.priority && !ENDED.has(job.state) && priorityClassOf(job) !== null,
    async stop(job: Job) {
      const ok = await confirm(`Stop job #${job.id}?`, <p><b>{job.name}</b> gets SIGTERM, then SIGKILL after its {job.spec.stopGraceSeconds} s grace period.</p>, 'Stop job');
      if (ok) await run(() => api.post<Job>(`/api/v1/jobs/${job.id}/stop`));
    },
    pause: (job: Job) => run(() => api.post<Job>(`/api/v1/jobs/${job.id}/pause`)),
    resume: (job: Job) => run(() => api.post<Job>(`/api/v1/jobs/${job.id}/resume`)),
    setPriority: (job: Job, priority: string) => run(() => api.post<Job>(`/api/v1/jobs/${job.id}/priority`, { priority })),
    dialog,
    error,
    busy,
  }), [api, caps, canWrite, confirm, run, dialog, error, busy]);
}

/** The buttons for one job; nothing at all for a read-only token. */
export function JobActions({ job, commands }: { job: Job; commands: JobCommands }) {
  const { canWrite } = useSession();
  if (!canWrite) return null;
  const c = commands;
  const priority = priorityClassOf(job);
  return (
    <div className="actions" onClick={(e) => e.stopPropagation()}>
      {c.canPause(job) && <button type="button" disabled={c.busy} onClick={() => void c.pause(job)} title="Pause (p): checkpoint and free the slots">Pause</button>}
      {c.canResume(job) && <button type="button" disabled={c.busy} onClick={() => void c.resume(job)} title="Resume (p)">Resume</button>}
      {c.canPrioritise(job) && priority !== null && (
        <select aria-label={`Priority of job ${job.id}`} value={PRIORITY_CLASSES.includes(priority as never) ? priority : 'normal'} disabled={c.busy}
          onChange={(e) => void c.setPriority(job, e.target.value)} title="Priority (+/-)">
          {PRIORITY_CLASSES.map((p) => <option key={p} value={p}>{p}</option>)}
        </select>
      )}
      {c.canStop(job) && <button type="button" className="danger" disabled={c.busy} onClick={() => void c.stop(job)} title="Stop (s)">Stop</button>}
    </div>
  );
}
