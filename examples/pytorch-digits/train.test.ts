// train.py as Trainyard runs it: /usr/bin/python3 with TRAINYARD_* variables and the real Python
// SDK (offline: line protocol on stdout). Skipped where Debian's python3-torch / python3-sklearn
// are not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const PYTHON = '/usr/bin/python3';

const probe = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import torch, sklearn'], { encoding: 'utf8' }) : null;
const missing =
  probe === null
    ? `${PYTHON} not found`
    : probe.status !== 0
      ? `${PYTHON} cannot import torch and sklearn (apt-get install python3-torch python3-sklearn)`
      : false;
// CI installs them and sets TRAINYARD_REQUIRE_ALL=1: there, a missing PyTorch is a failure.
if (missing && process.env.TRAINYARD_REQUIRE_ALL === '1') throw new Error(`${missing}, and TRAINYARD_REQUIRE_ALL=1`);
const skip = missing;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runTrain(args: string[], env: Record<string, string>, onLine?: (line: string, kill: () => void) => void): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn(PYTHON, [join(here, 'train.py'), ...args], {
      cwd: repo,
      env: { ...process.env, TRAINYARD_URL: '', PYTHONPATH: join(repo, 'sdk', 'python'), PYTHONUNBUFFERED: '1', ...env },
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

/** step → val_loss from the `#trainyard metrics` lines. */
function valLosses(stdout: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of stdout.matchAll(/^#trainyard metrics step=(\d+) val_loss=([^ ]+)/gm)) out.set(Number(m[1]), Number(m[2]));
  return out;
}

test('trains, stops on SIGTERM with a checkpoint, and resumes onto the same curve', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pytorch-digits-'));
  try {
    const args = ['--epochs', '4', '--ckpt-every', '1000'];
    const straight = await runTrain(args, { TRAINYARD_CHECKPOINT_DIR: join(dir, 'a') });
    assert.equal(straight.code, 0, straight.stderr);
    const reference = valLosses(straight.stdout);
    assert.deepEqual([...reference.keys()], [45, 90, 135, 180]);
    const accuracy = Number(/^#trainyard metrics step=180 val_loss=\S+ val_acc=(\S+)/m.exec(straight.stdout)?.[1]);
    assert.ok(accuracy > 0.9, `val_acc ${accuracy}`);
    assert.match(straight.stdout, /^#trainyard checkpoint path="step-180\.pt" step=180 /m);

    let signalled = false;
    const stopped = await runTrain(args, { TRAINYARD_CHECKPOINT_DIR: join(dir, 'b') }, (line, kill) => {
      if (!signalled && /^epoch +1\//.test(line)) {
        signalled = true;
        kill();
      }
    });
    assert.equal(stopped.code, 0, stopped.stderr);
    const step = Number(/^stop requested at step (\d+)$/m.exec(stopped.stdout)?.[1]);
    assert.ok(step >= 45 && step < 180, `stopped at step ${step}`);
    const name = `step-${step}.pt`;
    assert.ok(existsSync(join(dir, 'b', name)));
    assert.match(stopped.stdout, new RegExp(`^#trainyard checkpoint path="${name}" step=${step} `, 'm'));

    const resumed = await runTrain(args, {
      TRAINYARD_CHECKPOINT_DIR: join(dir, 'b'),
      TRAINYARD_RESUME_FROM: join(dir, 'b', name),
      TRAINYARD_RESUME_STEP: String(step),
    });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`continuing at step ${step + 1}`));
    const after = valLosses(resumed.stdout);
    assert.ok(after.size > 0);
    for (const [s, loss] of after) {
      assert.ok(s > step);
      assert.ok(Math.abs(loss - reference.get(s)!) < 1e-6, `val_loss at step ${s}: ${loss} vs ${reference.get(s)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad argument exits 78', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pytorch-digits-'));
  try {
    const bad = await runTrain(['--epochs', 'many'], { TRAINYARD_CHECKPOINT_DIR: dir });
    assert.equal(bad.code, 78);
    assert.match(bad.stderr, /epochs: expected int/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
