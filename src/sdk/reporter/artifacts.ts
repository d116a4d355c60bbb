/**
 * `Run.artifact()`: attach a file the script wrote (a plot, a CSV table, a report) to the run.
 * In `http` mode its bytes are uploaded (`POST /api/v1/runs/:id/artifacts`, so the script may
 * run on another machine than the server); in `lines` mode the `#trainyard artifact` line is
 * printed with the absolute path, and the server copies the file from there.
 *
 * Never throws: a file that is missing, not a regular file or over the cap, and a server that
 * refuses or cannot be reached, give one warning naming the path and the reason, and the
 * promise resolves null. Artifacts are not spooled: attach again once the server answers.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Artifact, ArtifactKind } from '../../core/artifacts.ts';
import type { ReportMode } from './run.ts';
import type { Transport } from './transport.ts';

/** Largest artifact the server takes (core/artifacts.ts): 64 MiB. */
export const ARTIFACT_MAX_BYTES = 64 << 20;

export type { ArtifactKind };

/** Options of `Run.artifact()`. */
export interface ArtifactOptions {
  /** Default: from the name's extension (`.png .jpg .svg` → image, `.csv .tsv` → table, …). */
  readonly kind?: ArtifactKind;
  /** The training step it belongs to. Default: none. */
  readonly step?: number;
  /** Default: the file's base name. */
  readonly name?: string;
}

/** The server's record of an attached file. */
export type ArtifactRecord = Artifact;

export interface ArtifactSenderSettings {
  readonly mode: ReportMode;
  readonly transport: Transport | null;
  readonly runId: string | null;
  readonly warn: (message: string) => void;
  readonly stdout: (text: string) => void;
}

/** Attaches files and keeps track of uploads still going, so `close()` can wait for them. */
export interface ArtifactSender {
  attach(path: string, options?: ArtifactOptions): Promise<ArtifactRecord | null>;
  /** Resolves when every attach started so far is over. */
  settled(): Promise<void>;
}

export function createArtifactSender(settings: ArtifactSenderSettings): ArtifactSender {
  const pending = new Set<Promise<unknown>>();

  async function attach(path: string, options: ArtifactOptions): Promise<ArtifactRecord | null> {
    const absolute = resolve(String(path));
    const refuse = (reason: string): null => {
      settings.warn(`artifact '${path}' not attached: ${reason}`);
      return null;
    };
    if (options.step !== undefined && !Number.isFinite(options.step)) return refuse(`step ${options.step} is not a finite number`);
    let size: number;
    try {
      const info = await stat(absolute);
      if (!info.isFile()) return refuse(`${absolute} is not a regular file`);
      size = info.size;
    } catch (error) {
      return refuse((error as NodeJS.ErrnoException).code === 'ENOENT' ? `${absolute} does not exist` : String(error));
    }
    if (size > ARTIFACT_MAX_BYTES) return refuse(`${absolute} is ${size} bytes, over the artifact limit of ${ARTIFACT_MAX_BYTES} bytes (64 MiB)`);
    const name = options.name ?? basename(absolute);
    if (settings.mode === 'lines') {
      settings.stdout(artifactLine(absolute, name, options));
      return null;
    }
    if (settings.mode !== 'http' || settings.transport === null) return null;
    const query = new URLSearchParams({ name });
    if (options.kind !== undefined) query.set('kind', options.kind);
    if (options.step !== undefined) query.set('step', String(options.step));
    const outcome = await settings.transport.postBytes(`/api/v1/runs/${settings.runId}/artifacts?${query}`, await readFile(absolute));
    if (outcome.kind === 'ok') return outcome.reply as ArtifactRecord;
    return refuse(outcome.kind === 'permanent' ? `the server refused it: ${outcome.reason}` : `the server is unreachable (${outcome.reason})`);
  }

  return {
    attach(path, options = {}) {
      const work = attach(path, options).catch((error: unknown) => {
        settings.warn(`artifact '${path}' not attached: ${String(error)}`);
        return null;
      });
      pending.add(work);
      void work.finally(() => pending.delete(work));
      return work;
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/** The line-protocol instruction of an artifact. */
export function artifactLine(absolute: string, name: string, options: ArtifactOptions): string {
  const kind = options.kind === undefined ? '' : ` kind=${options.kind}`;
  const step = options.step === undefined ? '' : ` step=${options.step}`;
  const label = name === basename(absolute) ? '' : ` name=${JSON.stringify(name)}`;
  return `#trainyard artifact path=${JSON.stringify(absolute)}${kind}${step}${label}\n`;
}
