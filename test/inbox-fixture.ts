/** Shared setup of the inbox tests: a data directory with an inbox.yaml, and folder helpers. */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir, waitFor, type TestServer } from './harness.ts';

export const CONSUMER = join(REPO, 'test', 'fixtures', 'inbox-consumer.mjs');
export const FOLDERS = ['high', 'normal', 'low', 'processing', 'done', 'failed'] as const;

export interface InboxDir {
  readonly dataDir: string;
  /** Where the consumer appends one line per run. */
  readonly ledger: string;
  readonly inbox: string;
}

/** A data directory whose inbox.yaml sends `*.jsonl` to the consumer, validated. */
export function inboxDataDir(settings: InboxSettings): InboxDir {
  const dataDir = tempDir('trainyard-inbox-');
  const ledger = join(dataDir, 'ledger');
  mkdirSync(ledger);
  writeInboxConfig(dataDir, ledger, settings);
  return { dataDir, ledger, inbox: join(dataDir, 'inbox') };
}

export interface InboxSettings {
  readonly stableMs: number;
  /** Default: 100. */
  readonly pollMs?: number;
  /** Of the template's job. Default: 0. */
  readonly maxRetries?: number;
  /** Register each file as a version of this dataset (`dataset:`), read by the job as `@train`; else `validate:` and `{file}`. */
  readonly dataset?: string;
  /** `from:` of the template's job. */
  readonly from?: string;
}

export function writeInboxConfig(dataDir: string, ledger: string, settings: InboxSettings): void {
  writeFileSync(join(dataDir, 'inbox.yaml'), `
stableMs: ${settings.stableMs}
pollMs: ${settings.pollMs ?? 100}
templates:
  - match: "*.jsonl"
    job:
      name: "ft-{stem}"
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(CONSUMER)}, "${settings.dataset ? '@train' : '{file}'}", ${JSON.stringify(ledger)}]
      cwd: ${JSON.stringify(REPO)}
      maxRetries: ${settings.maxRetries ?? 0}${settings.from ? `\n      from: ${JSON.stringify(settings.from)}` : ''}
    ${settings.dataset ? `dataset: {name: ${JSON.stringify(settings.dataset)}, format: chat, depth: standard}` : 'validate: {format: chat, level: quick}'}
`);
}

/** One valid `chat` row (datasets format) with extra fields for the consumer (`exit`, `sleepMs`). */
export function chatRow(extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }], ...extra })}\n`;
}

/** Writes a file into an inbox folder through a dotfile and a rename, as a careful producer does. */
export function drop(dir: InboxDir, folder: string, name: string, text: string): void {
  const tmp = join(dir.inbox, folder, `.${name}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, join(dir.inbox, folder, name));
}

/** The folders holding a file of exactly this name. */
export function foldersOf(dir: InboxDir, name: string): string[] {
  return FOLDERS.filter((folder) => existsSync(join(dir.inbox, folder, name)));
}

export function readIn(dir: InboxDir, relative: string): string {
  return readFileSync(join(dir.inbox, relative), 'utf8');
}

export function filesIn(dir: InboxDir, folder: string): string[] {
  return readdirSync(join(dir.inbox, folder)).sort();
}

/** Runs the consumer recorded: one entry per run (`dataset` and `initFromId` for a job given `@train`). */
export function ledgerRuns(dir: InboxDir): Array<{ job: number; file: string; rows: number; dataset?: string; initFromId?: number | null }> {
  const path = join(dir.ledger, 'runs.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** Waits until `name` sits in `folder` (and nowhere else); returns the reason file's text for failed/. */
export async function waitUntilIn(dir: InboxDir, name: string, folder: 'done' | 'failed', timeoutMs = 30_000): Promise<string | null> {
  await waitFor(() => {
    const where = foldersOf(dir, name);
    return where.length === 1 && where[0] === folder;
  }, { timeoutMs, what: `${name} in ${folder}/ and in no other folder` });
  // The reason is written before the file is moved beside it.
  return folder === 'failed' ? readFileSync(join(dir.inbox, folder, `${name}.reason`), 'utf8') : null;
}

/** The jobs the inbox made, oldest first. */
export async function inboxJobs(server: TestServer): Promise<any[]> {
  const { body } = await server.api('/api/v1/jobs?limit=1000');
  return body.jobs.filter((job: any) => job.spec.tags.includes('inbox')).reverse();
}

/** True once the server created the inbox folders. */
export function inboxReady(dir: InboxDir): boolean {
  return FOLDERS.every((folder) => existsSync(join(dir.inbox, folder)));
}
