/**
 * The fuzzer's world: a temp root holding the server's data directory, a `work/` folder (every
 * job's cwd), a `bin/` folder that is the server's whole PATH (`true`, `sleep`, `mv`: a command
 * the fuzzer happens to make valid can run nothing else), data files, and symlinks that point out
 * of where they sit. A server on 127.0.0.1 with no CPU slots and no GPUs, one job that runs
 * (`cpus: 0`) and prints its run token, and real ids and names for the fuzzer to aim at.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir, waitFor, type TestServer } from '../harness.ts';
import type { Known } from './cases.ts';
import { hostilePaths } from './hostile.ts';

export interface Fixture {
  readonly server: TestServer;
  readonly known: Known;
  readonly root: string;
  /** The run's checkpoint folder, with links out of it. */
  readonly checkpointDir: string;
}

/** The executable `name` on this process's PATH (not a shell builtin). */
function which(name: string): string {
  const found = (process.env.PATH ?? '').split(':').map((dir) => join(dir, name)).find((path) => existsSync(path));
  assert.ok(found, `${name} not found on PATH`);
  return found;
}

/**
 * Symlinks out of `dir` (to /etc/passwd, /etc, /, a folder outside, nowhere, themselves, the
 * parent) and a FIFO. Returns those the random cases may use: not the links to /etc, / and the
 * parent, which a dataset registration would copy whole (hundreds of MB, thousands of files);
 * the path tests aim at those by name.
 */
function links(dir: string, outside: string): string[] {
  mkdirSync(dir, { recursive: true });
  const made: Array<[string, string]> = [
    ['passwd', '/etc/passwd'],
    ['outside', outside],
    ['dangling', join(dir, 'nowhere')],
    ['self', join(dir, 'self')],
  ];
  for (const [name, target] of [...made, ['etc', '/etc'], ['root', '/'], ['up', '..']]) symlinkSync(target, join(dir, name));
  spawnSync('mkfifo', [join(dir, 'fifo')]);
  return [...made.map(([name]) => join(dir, name)), join(dir, 'fifo'), join(dir, 'up', 'up', 'up'), join(dir, 'etc', 'passwd')];
}

export async function createFixture(): Promise<Fixture> {
  const root = tempDir('trainyard-fuzz-');
  const work = join(root, 'work');
  const bin = join(root, 'bin');
  const outside = join(root, 'outside');
  mkdirSync(join(work, 'folder', 'nested'), { recursive: true });
  mkdirSync(bin);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'not yours\n');
  for (const tool of ['true', 'sleep', 'mv']) symlinkSync(which(tool), join(bin, tool));
  const datasetFile = join(work, 'data.jsonl');
  writeFileSync(datasetFile, Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `line ${i} of the fuzz data` })).join('\n') + '\n');
  writeFileSync(join(work, 'folder', 'a.jsonl'), '{"text":"a"}\n');
  symlinkSync('.', join(work, 'folder', 'nested', 'loop'));
  symlinkSync(outside, join(work, 'folder', 'outside'));
  const workLinks = links(join(root, 'links'), outside);

  // Rate limits off (docs/audit.md): 10,000 cases a minute or two from one token would be 429s, not handlers.
  const server = await startServer({ dataDir: join(root, 'data'), env: { PATH: bin, TRAINYARD_CPU_SLOTS: '0', TRAINYARD_GPUS: 'none', TRAINYARD_RATE_LIMIT_INGEST: '0', TRAINYARD_RATE_LIMIT_CONTROL: '0' } });
  const ok = async (path: string, body?: unknown, token?: string) => {
    const r = await server.api(path, { body, token, method: body === undefined ? 'GET' : undefined });
    assert.ok(r.status < 300, `fixture ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const put = async (path: string, body: unknown) => {
    const r = await fetch(server.url + path, { method: 'PUT', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(r.status < 300, `fixture PUT ${path}: ${r.status} ${await r.text()}`);
  };

  const out = join(work, 'runner.out');
  const runner = await ok('/api/v1/jobs', {
    name: 'fuzz-runner',
    command: `printf '%s %s %s %s\\n' "$TRAINYARD_TOKEN" "$TRAINYARD_RUN_ID" "$TRAINYARD_JOB_ID" "$TRAINYARD_CHECKPOINT_DIR" > ${out}.tmp && mv ${out}.tmp ${out}; exec sleep 600`,
    shell: true, cwd: work, resources: { gpus: 0, cpus: 0 }, stopGraceSeconds: 1,
  });
  const line = await waitFor(() => {
    try {
      return readFileSync(out, 'utf8').trim();
    } catch {
      return null;
    }
  }, { what: 'the runner job to start', timeoutMs: 30_000 });
  const [runToken, runId, jobId, checkpointDir] = line.split(' ');
  assert.equal(Number(jobId), runner.id);
  mkdirSync(checkpointDir, { recursive: true });
  writeFileSync(join(checkpointDir, 'ckpt-1.bin'), 'weights');
  const checkpointLinks = links(join(checkpointDir, 'links'), outside);
  const checkpoint = await ok(`/api/v1/runs/${runId}/checkpoints`, { path: 'ckpt-1.bin', step: 1, metrics: { loss: 1 } }, runToken);

  const victim = await ok('/api/v1/jobs', { name: 'fuzz-victim', command: ['true'], cwd: work });
  const read = await ok('/api/v1/tokens', { role: 'read', name: 'fuzz-read' });
  await ok('/api/v1/datasets', { name: 'fuzz-data', path: datasetFile, format: 'text' });
  await ok('/api/v1/models', { name: 'fuzz-model' });
  await ok('/api/v1/models/fuzz-model/versions', { checkpointId: checkpoint.id ?? checkpoint.checkpoint?.id });
  await ok('/api/v1/eval-suites', { name: 'fuzz-suite', command: ['true'], cwd: work, metrics: [{ name: 'score', goal: 'max' }] });
  await put('/api/v1/rules/fuzz-rule', { on: 'job.submitted', do: { pause: { job: victim.id } }, enabled: false });

  const known: Known = {
    tokens: { admin: server.adminToken, read: read.token, run: runToken },
    runnerJobId: Number(jobId),
    victimJobId: victim.id,
    runId: Number(runId),
    checkpointId: checkpoint.id ?? checkpoint.checkpoint?.id,
    checkpointFile: 'ckpt-1.bin',
    datasetName: 'fuzz-data',
    datasetFile,
    modelName: 'fuzz-model',
    suiteName: 'fuzz-suite',
    ruleName: 'fuzz-rule',
    root,
    cwd: work,
    paths: hostilePaths({
      inside: [work, checkpointDir],
      links: [...workLinks, ...checkpointLinks, join(work, 'folder'), join(work, 'folder', 'nested', 'loop'), join(outside, 'secret.txt'), 'links/passwd', 'links/etc/passwd', 'links/up/up', 'links/self'],
    }),
  };
  return { server, known, root, checkpointDir };
}

/** Resident set size of a process, in KiB, from /proc/<pid>/status. */
export function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}
