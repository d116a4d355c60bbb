/**
 * The inbox: files dropped into `<dataDir>/inbox/{high,normal,low}` become jobs from the
 * templates of `<dataDir>/inbox.yaml`, and end in `done/` or `failed/`. docs/inbox.md.
 *
 * Pipeline of one tick (every `pollMs`, and after a job ends):
 *   reload inbox.yaml if it changed → carry on every open file (interrupted moves, files
 *   waiting for a template, queued files whose job ended) → once after enabling: adopt unknown
 *   files in processing/ → poll the priority folders → each stable file: hash, move to
 *   processing/, validate, submit. Ticks never overlap; all moves happen inside them.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Control } from '../control/control.ts';
import { jobView } from '../control/views.ts';
import { TERMINAL_JOB_STATES } from '../core/types.ts';
import type { InboxFile, Store } from '../store/store.ts';
import { INBOX_DEFAULTS, loadInboxConfig, type InboxConfig } from './config.ts';
import { exitForJob } from './file-state.ts';
import { createMover, sha256File } from './mover.ts';
import { isCandidateName, PRIORITY_FOLDERS, STATE_FOLDERS } from './names.ts';
import { changedSince } from './stability.ts';
import { submitFile, type SubmitDeps } from './submit.ts';
import type { ValidateFile } from './validate.ts';
import { createWatcher } from './watcher.ts';

/** Stable files taken in per tick: bounds a tick when hundreds of files land at once. */
const INTAKE_PER_TICK = 16;
/** Queued files are checked against their job at least this often, besides on job events. */
const FULL_CHECK_MS = 5000;

export interface InboxDeps {
  readonly store: Store;
  /** Live job views, the dispatcher (woken after a job was queued) and the event log (jobs that ended). */
  readonly control: Pick<Control, 'bus' | 'events' | 'poke'>;
  /** `<dataDir>/inbox`, `<dataDir>/inbox.yaml`, and `<dataDir>/datasets` (templates with `dataset:`). */
  readonly layout: { readonly inbox: string; readonly inboxConfig: string; readonly datasetDir: string };
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Default: src/datasets' validateFile when it exists, else the built-in check. */
  readonly validator?: ValidateFile | null;
}

export interface Inbox {
  start(): void;
  /** Runs a tick soon. */
  poke(): void;
  /** Stops the loop after the current tick; files in flight are carried on by the next start. */
  close(): Promise<void>;
}

export function createInbox(deps: InboxDeps): Inbox {
  const { store, now, log } = deps;
  const root = deps.layout.inbox;
  const configPath = deps.layout.inboxConfig;
  const mover = createMover({ store, root, now, log });
  const watcher = createWatcher(root);
  const submitDeps: SubmitDeps = {
    store, mover, root, now, log, validator: deps.validator, datasetDir: deps.layout.datasetDir,
    jobCreated(job) {
      deps.control.bus.publish({ type: 'job', jobId: job.id, data: jobView(job) });
      deps.control.poke();
    },
  };
  let config: InboxConfig | null = null;
  let configStamp: string | null = null;
  let adoptPending = false;
  let lastFullCheck = -Infinity;
  const endedJobs = new Set<number>();
  /** Last error logged per file or step, so a failure that repeats every tick is logged once. */
  const reported = new Map<string, string>();
  let timer: NodeJS.Timeout | null = null;
  let timerMs = 0;
  let ticking: Promise<void> | null = null;
  let again = false;
  let closed = false;
  let unsubscribe: (() => void) | null = null;

  async function attempt(key: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
      reported.delete(key);
    } catch (error) {
      const message = String((error as Error)?.message ?? error);
      if (reported.get(key) !== message) log(`inbox: ${key}: ${message} (will retry)`);
      reported.set(key, message);
    }
  }

  async function refreshConfig(): Promise<void> {
    const info = await stat(configPath).catch(() => null);
    const stamp = info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'absent';
    if (stamp === configStamp) return;
    const first = configStamp === null;
    configStamp = stamp;
    const loaded = await loadInboxConfig(configPath);
    const wasOn = config !== null;
    config = loaded.kind === 'ok' ? loaded.config : null;
    if (loaded.kind === 'absent') {
      if (first || wasOn) log(`inbox: off (no ${configPath}); write that file with at least one template to turn it on (docs/inbox.md)`);
    } else if (loaded.kind === 'invalid') {
      log(`inbox: ${configPath} is invalid: ${loaded.message}; dropped files wait until it is fixed`);
    } else {
      for (const folder of [...PRIORITY_FOLDERS, ...STATE_FOLDERS]) await mkdir(join(root, folder), { recursive: true });
      adoptPending = true;
      const n = loaded.config.templates.length;
      log(`inbox: on, watching ${root}/{${PRIORITY_FOLDERS.join(',')}} with ${n} template${n === 1 ? '' : 's'}`);
    }
    schedule(config?.pollMs ?? INBOX_DEFAULTS.pollMs);
  }

  /** Carries every open file one step on; after a crash this is the reconciliation. */
  async function settle(): Promise<InboxFile[]> {
    const open = await store.listOpenInboxFiles();
    const checkAll = now() - lastFullCheck >= FULL_CHECK_MS;
    if (checkAll) lastFullCheck = now();
    const ended = new Set(endedJobs);
    endedJobs.clear();
    for (const file of open) {
      const key = file.path ?? file.name;
      if (file.state === 'arriving') await attempt(key, () => mover.finishArrival(file));
      else if (file.state === 'leaving') await attempt(key, () => mover.finishExit(file));
      else if (file.state === 'processing' && config) await attempt(key, () => submitFile(submitDeps, file, config!));
      else if (file.state === 'queued' && file.jobId !== null && (checkAll || ended.has(file.jobId))) {
        const jobId = file.jobId;
        await attempt(key, async () => {
          const exit = exitForJob(jobId, await store.getJob(jobId));
          if (exit === null) return;
          const moved = await mover.leave(file, exit);
          log(`inbox: ${file.name}: job ${jobId} ended → ${moved.path ?? 'nowhere (vanished)'}`);
        });
      }
    }
    return open;
  }

  /** Files in processing/ that no record knows (restored by hand, or a wiped store) become records. */
  async function adoptStrays(open: readonly InboxFile[]): Promise<void> {
    const known = new Set(open.flatMap((f) => [f.path, f.nextPath]));
    for (const name of await readdir(join(root, 'processing'))) {
      const path = `processing/${name}`;
      if (!isCandidateName(name) || known.has(path)) continue;
      await attempt(path, async () => {
        if (!(await stat(join(root, path))).isFile()) return;
        const file = await mover.adopt(name, await sha256File(join(root, path)));
        log(`inbox: adopted ${path}, which no record knew (priority normal)`);
        await submitFile(submitDeps, file, config!);
      });
    }
  }

  async function intake(current: InboxConfig): Promise<void> {
    for (const ready of await watcher.poll(now(), current.stableMs, INTAKE_PER_TICK)) {
      const path = join(root, ready.priority, ready.name);
      await attempt(`${ready.priority}/${ready.name}`, async () => {
        const sha256 = await sha256File(path);
        if (changedSince(ready.stat, await stat(path))) return watcher.restart(ready.priority, ready.name, now());
        let file: InboxFile;
        try {
          file = await mover.arrive(ready.priority, ready.name, sha256);
        } catch (error) {
          watcher.restart(ready.priority, ready.name, now());
          throw error;
        }
        await submitFile(submitDeps, file, current);
      });
    }
  }

  async function tick(): Promise<void> {
    await refreshConfig();
    const open = await settle();
    if (!config) return;
    if (adoptPending) {
      adoptPending = false;
      await adoptStrays(open);
    }
    await intake(config);
  }

  function poke(): void {
    if (closed) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = tick()
      .catch((error) => log(`inbox: ${String(error?.stack ?? error)}`))
      .finally(() => {
        ticking = null;
        if (again) {
          again = false;
          poke();
        }
      });
  }

  function schedule(ms: number): void {
    if (closed || ms === timerMs) return;
    if (timer) clearInterval(timer);
    timerMs = ms;
    timer = setInterval(poke, ms);
    timer.unref();
  }

  return {
    start() {
      // From the newest event on: files whose job ended earlier are found by the full check.
      void store.lastEventId().then((after) => {
        if (closed) return;
        unsubscribe = deps.control.events.tail({ after, types: ['job.state_changed'] }, (event) => {
          if (event.type !== 'job.state_changed' || event.jobId === null || !TERMINAL_JOB_STATES.includes(event.data.to)) return;
          endedJobs.add(event.jobId);
          poke();
        });
      });
      schedule(INBOX_DEFAULTS.pollMs);
      poke();
    },
    poke,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      unsubscribe?.();
      await ticking;
    },
  };
}
