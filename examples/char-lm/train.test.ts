// train.ts as Trainyard runs it: a child process with TRAINYARD_* variables, the real SDK
// (offline, so it prints the line protocol), SIGTERM, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs train.ts; `onLine` may send it a signal. */
function runTrain(args: string[], env: Record<string, string>, onLine?: (line: string, kill: () => void) => void): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'train.ts'), ...args], {
      cwd: repo,
      env: { ...process.env, TRAINYARD_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine?.(line, () => child.kill('SIGTERM'));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

test('SIGTERM: saves and registers a checkpoint, exits 0; a resumed run continues at the next step', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'char-lm-train-'));
  try {
    let signalled = false;
    const first = await runTrain(['--steps', '5000', '--eval-every', '50', '--hidden', '32'], { TRAINYARD_CHECKPOINT_DIR: dir }, (line, kill) => {
      if (!signalled && /^step +50\//.test(line)) {
        signalled = true;
        kill();
      }
    });
    assert.equal(first.code, 0, first.stderr);
    const stop = /^stop requested at step (\d+)$/m.exec(first.stdout);
    assert.ok(stop, first.stdout);
    const step = stop[1];
    const name = `step-${step}.bin`;
    assert.ok(Number(step) >= 50 && Number(step) < 500, `stopped at step ${step}`);
    assert.match(first.stdout, new RegExp(`^#trainyard checkpoint path="${name}" step=${step} loss=`, 'm'));
    assert.ok(existsSync(join(dir, name)));
    assert.match(first.stdout, /^#trainyard metrics step=10 loss=/m);
    assert.match(first.stdout, /^#trainyard metrics step=50 val_loss=[\d.]+ val_bpc=/m);

    const second = await runTrain(['--steps', String(Number(step) + 20), '--hidden', '32', '--sample-chars', '30'], {
      TRAINYARD_CHECKPOINT_DIR: dir,
      TRAINYARD_RESUME_FROM: join(dir, name),
      TRAINYARD_RESUME_STEP: step,
    });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`continuing at step ${Number(step) + 1}`));
    const steps = [...second.stdout.matchAll(/^#trainyard metrics step=(\d+) loss=/gm)].map((m) => Number(m[1]));
    assert.ok(steps.length > 0 && steps.every((s) => s > Number(step)), `logged steps ${steps.join(',')}`);
    assert.match(second.stdout, new RegExp(`^#trainyard checkpoint path="step-${Number(step) + 20}\\.bin"`, 'm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad argument or param exits 78 (a configuration error, not retried)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'char-lm-train-'));
  try {
    const badArg = await runTrain(['--steps', 'lots'], { TRAINYARD_CHECKPOINT_DIR: dir });
    assert.equal(badArg.code, 78);
    assert.match(badArg.stderr, /steps: expected a number/);
    const badParam = await runTrain([], { TRAINYARD_CHECKPOINT_DIR: dir, TRAINYARD_PARAMS: '{"hidden": -3}' });
    assert.equal(badParam.code, 78);
    assert.match(badParam.stderr, /hidden must be positive/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
