/**
 * Moves inbox files between folders, crash-safely: each move is recorded in the store (where
 * from, where to) before the rename, and marked done after it. A rename on one filesystem is
 * atomic, so a file is always at one end of its recorded move; `finishArrival`/`finishExit`
 * carry an interrupted move on from whichever end it is at (see file-state.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { PriorityClass } from '../core/types.ts';
import type { InboxFile, Store } from '../store/store.ts';
import { arrivalStep, exitStep, reasonFileText, type Exit } from './file-state.ts';
import { freeName, REASON_SUFFIX } from './names.ts';

export interface MoverDeps {
  readonly store: Store;
  /** The inbox folder; store paths are relative to it. */
  readonly root: string;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

export interface Mover {
  /** `<priority>/<name>` → `processing/<free name>`; returns the file, now `processing`. */
  arrive(priority: PriorityClass, name: string, sha256: string): Promise<InboxFile>;
  /** Records an unknown file found in processing/ (after a restore or by hand) as `processing`. */
  adopt(name: string, sha256: string): Promise<InboxFile>;
  /** Plans and carries out the move out of processing/ into done/ or failed/ (with its reason). */
  leave(file: InboxFile, exit: Exit & { readonly report?: unknown }): Promise<InboxFile>;
  /** Carries on an `arriving` move found interrupted; null when the record was forgotten. */
  finishArrival(file: InboxFile): Promise<InboxFile | null>;
  /** Carries on a `leaving` move from wherever it stopped. */
  finishExit(file: InboxFile): Promise<InboxFile>;
}

export function createMover(deps: MoverDeps): Mover {
  const { store, root, now } = deps;
  const abs = (relative: string) => join(root, relative);

  async function exitTarget(outcome: 'done' | 'failed', name: string): Promise<string> {
    return `${outcome}/${await freeIn(abs(outcome), name, outcome === 'failed' ? [REASON_SUFFIX] : [])}`;
  }

  async function finishExit(file: InboxFile): Promise<InboxFile> {
    if (file.nextPath === null || file.path === null) return store.completeInboxMove(file.id, now());
    const step = exitStep({ from: await exists(abs(file.path)), to: await exists(abs(file.nextPath)) });
    if (step === 'retarget') {
      const nextPath = await exitTarget(file.outcome ?? 'failed', file.name);
      deps.log(`inbox: ${file.nextPath} is taken; moving ${file.name} to ${nextPath} instead`);
      return finishExit(await store.planInboxExit(file.id, { outcome: file.outcome ?? 'failed', nextPath, reason: file.reason, report: file.report }, now()));
    }
    if (step === 'vanished') {
      deps.log(`inbox: ${file.path} vanished before it could be moved to ${file.nextPath} (removed by hand?)`);
      const vanished = `the file vanished from ${file.path} before it was moved to ${file.nextPath}`;
      const reason = file.reason ? `${file.reason}; ${vanished}` : vanished;
      await store.planInboxExit(file.id, { outcome: file.outcome ?? 'failed', nextPath: null, reason, report: file.report }, now());
      return store.completeInboxMove(file.id, now());
    }
    if (file.outcome === 'failed') await writeAtomically(abs(file.nextPath + REASON_SUFFIX), reasonFileText(file));
    if (step === 'rename') await rename(abs(file.path), abs(file.nextPath));
    return store.completeInboxMove(file.id, now());
  }

  return {
    async arrive(priority, name, sha256) {
      const nextPath = `processing/${await freeIn(abs('processing'), name)}`;
      const file = await store.recordInboxFile({ name, sha256, priority, path: `${priority}/${name}`, nextPath }, now());
      try {
        await rename(abs(file.path!), abs(nextPath));
      } catch (error) {
        await store.forgetInboxFile(file.id);
        throw error;
      }
      return store.completeInboxMove(file.id, now());
    },

    async adopt(name, sha256) {
      const path = `processing/${name}`;
      const file = await store.recordInboxFile({ name, sha256, priority: 'normal', path, nextPath: path }, now());
      return store.completeInboxMove(file.id, now());
    },

    async leave(file, exit) {
      const nextPath = await exitTarget(exit.outcome, file.name);
      const report = exit.report === undefined ? null : JSON.stringify(exit.report);
      return finishExit(await store.planInboxExit(file.id, { outcome: exit.outcome, nextPath, reason: exit.reason, report }, now()));
    },

    async finishArrival(file) {
      if (arrivalStep({ from: await exists(abs(file.path!)), to: await exists(abs(file.nextPath!)) }) === 'complete') {
        return store.completeInboxMove(file.id, now());
      }
      await store.forgetInboxFile(file.id);
      return null;
    },

    finishExit,
  };
}

/** A name free in `folder` (see `freeName`). */
async function freeIn(folder: string, name: string, companions: readonly string[] = []): Promise<string> {
  const names = new Set(await readdir(folder));
  return freeName(name, (n) => names.has(n), companions);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Writes through a dotfile and a rename, so a reader never sees half a file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** sha256 of a file's content, hex, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
