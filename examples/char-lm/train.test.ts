// train.ts as Trainyard runs it: a child process with TRAINYARD_* variables, the real SDK
// (offline, so it prints the line protocol), SIGTERM, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

test('TRAINYARD_INIT_FROM: a continued run starts from the weights (lower loss than a fresh run), at step 0, with its vocabulary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'char-lm-init-'));
  try {
    const shape = ['--hidden', '32', '--sample-chars', '0', '--eval-every', '100'];
    const base = await runTrain(['--steps', '300', '--ckpt-every', '300', ...shape], { TRAINYARD_CHECKPOINT_DIR: join(dir, 'base') });
    assert.equal(base.code, 0, base.stderr);
    const firstLoss = (out: string) => Number(/^#trainyard metrics step=10 loss=([\d.]+)/m.exec(out)?.[1]);
    const fresh = firstLoss(base.stdout);

    // New data with characters the base model never saw; a new learning rate.
    const corpus = join(dir, 'more.txt');
    writeFileSync(corpus, readFileSync(join(here, 'data', 'corpus.txt'), 'utf8').replaceAll('the ', 'the § ').replaceAll('and ', 'and ¤ '));
    const continued = await runTrain(['--steps', '20', '--lr', '0.003', '--corpus', corpus, ...shape], {
      TRAINYARD_CHECKPOINT_DIR: join(dir, 'continued'),
      TRAINYARD_INIT_FROM: join(dir, 'base', 'step-300.bin'),
      TRAINYARD_INIT_FROM_ID: '1',
    });
    assert.equal(continued.code, 0, continued.stderr);
    assert.match(continued.stdout, /starting from the weights of .*step-300\.bin \(its step 300\) at step 0 with a fresh optimizer, lr 0\.003/);
    const warnings = continued.stdout.split('\n').filter((line) => line.startsWith('warning:'));
    assert.equal(warnings.length, 1, continued.stdout);
    assert.match(warnings[0], /characters of .*more\.txt are not in the vocabulary of .*step-300\.bin and were dropped \(2 distinct: "¤" "§"\)/);
    const started = firstLoss(continued.stdout);
    assert.ok(started < fresh - 0.5, `the continued run's first loss ${started} is well below a fresh run's ${fresh}`);
    assert.match(continued.stdout, /^#trainyard checkpoint path="step-20\.bin" step=20 /m, 'its own step count, from 0');

    // A retry of the continued job resumes its own checkpoint (RESUME_FROM wins over INIT_FROM).
    const retried = await runTrain(['--steps', '30', '--corpus', corpus, ...shape], {
      TRAINYARD_CHECKPOINT_DIR: join(dir, 'continued'),
      TRAINYARD_INIT_FROM: join(dir, 'base', 'step-300.bin'),
      TRAINYARD_RESUME_FROM: join(dir, 'continued', 'step-20.bin'),
      TRAINYARD_RESUME_STEP: '20',
    });
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stdout, /continuing at step 21/);
    assert.doesNotMatch(retried.stdout, /starting from the weights/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("TRAINYARD_DATASETS: without --corpus the job's train dataset is the corpus; --corpus wins over it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'char-lm-dataset-'));
  try {
    const corpus = join(dir, 'drop.txt');
    writeFileSync(corpus, readFileSync(join(here, 'data', 'corpus.txt'), 'utf8').slice(0, 20_000));
    const datasets = JSON.stringify({ train: { name: 'drops', version: 1, path: corpus, sha256: '0'.repeat(64), format: 'text' } });
    const shape = ['--steps', '10', '--hidden', '16', '--sample-chars', '0'];
    const fromDataset = await runTrain(shape, { TRAINYARD_CHECKPOINT_DIR: join(dir, 'a'), TRAINYARD_DATASETS: datasets });
    assert.equal(fromDataset.code, 0, fromDataset.stderr);
    const held = (out: string) => Number(/([\d,]+) held-out characters/.exec(out)?.[1].replaceAll(',', ''));
    assert.ok(held(fromDataset.stdout) < 2_100, `held out from the 20 kB dataset: ${fromDataset.stdout}`);
    const explicit = await runTrain([...shape, '--corpus', join(here, 'data', 'corpus.txt')], { TRAINYARD_CHECKPOINT_DIR: join(dir, 'b'), TRAINYARD_DATASETS: datasets });
    assert.equal(explicit.code, 0, explicit.stderr);
    assert.ok(held(explicit.stdout) > 10_000, `held out from corpus.txt: ${explicit.stdout}`);
    const bad = await runTrain(shape, { TRAINYARD_CHECKPOINT_DIR: join(dir, 'c'), TRAINYARD_DATASETS: '{not json' });
    assert.equal(bad.code, 78);
    assert.match(bad.stderr, /TRAINYARD_DATASETS is not JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
