/**
 * Adaptive search with Optuna, for real: a study with `search: external` on a real server, a
 * real training script with a known optimum (test/fixtures/quadratic-trainer.mjs: loss = (x-3)² +
 * 1/step), and the bridge sdk/python/trainyard_optuna.py driving 12 trials with Optuna's TPE
 * sampler and MedianPruner under /usr/bin/python3 (Debian's python3-optuna). Skipped with the
 * reason when `import optuna` fails there, unless TRAINYARD_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO, requireOrSkip, runCli, tempDir, useServer } from './harness.ts';

const PYTHON = '/usr/bin/python3';
const hasOptuna = spawnSync(PYTHON, ['-c', 'import optuna'], { stdio: 'ignore' }).status === 0;
const skip = requireOrSkip(hasOptuna, 'optuna for /usr/bin/python3 (Debian package python3-optuna)');

const DRIVER = `
import json, sys, optuna, trainyard_optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(
    direction="minimize",
    sampler=optuna.samplers.TPESampler(n_startup_trials=4, seed=7),
    pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=3),
)
trainyard_optuna.optimize(study, "quadratic", n_trials=12, n_jobs=2, poll_interval=0.2)
print(json.dumps({
    "best": {"x": study.best_params["x"], "value": study.best_value},
    "trials": [{"number": t.number, "state": t.state.name, "value": t.value, "x": t.params.get("x"),
                "trainyard_trial": t.user_attrs.get("trainyard_trial"), "trainyard_job": t.user_attrs.get("trainyard_job"),
                "reported": len(t.intermediate_values)} for t in study.trials],
}))
`;

function runPython(script: string, env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(PYTHON, ['-c', script], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PYTHONPATH: join(REPO, 'sdk', 'python'), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('adaptive search: Optuna drives a study over the suggest API', { skip }, () => {
  const server = useServer();

  it('runs 12 TPE trials as Trainyard jobs, prunes losers by stopping their jobs, and finds x near 3', async () => {
    const s = server();
    const submitted = await s.api('/api/v1/studies', {
      body: {
        name: 'quadratic', search: 'external', maxRuns: 12, parallelism: 2,
        job: { command: [process.execPath, join(REPO, 'test', 'fixtures', 'quadratic-trainer.mjs')], cwd: tempDir('trainyard-optuna-'), maxRetries: 0 },
        params: { x: { float: [-10, 10] }, steps: { choice: [20] }, intervalMs: { int: [100, 120], step: 20 }, unit: 'step' },
        objective: { metric: 'loss', mode: 'min' },
      },
    });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    assert.deepEqual([submitted.body.state, submitted.body.trialCount, submitted.body.search], ['running', 0, 'external']);

    const out = await runPython(DRIVER, { TRAINYARD_URL: s.url, TRAINYARD_TOKEN: s.adminToken }, 300_000);
    assert.equal(out.code, 0, `the bridge exited with ${out.code}:\n${out.stderr}\n${out.stdout}\n--- server ---\n${s.output().slice(-3000)}`);
    const result = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
    const trials: Array<{ number: number; state: string; value: number | null; x: number; trainyard_trial: number; trainyard_job: number; reported: number }> = result.trials;

    const study = (await s.api('/api/v1/studies/quadratic')).body;
    assert.equal(study.state, 'completed', 'the bridge finished the study');
    assert.equal(study.trialCount, 12);
    assert.equal(trials.length, 12);
    const jobList = (await s.api('/api/v1/jobs?tag=study:quadratic')).body.jobs;
    assert.equal(jobList.length, 12, 'every Optuna trial ran as one Trainyard job');
    for (const t of trials) {
      const trial = study.trials[t.trainyard_trial];
      assert.equal(trial.jobId, t.trainyard_job);
      assert.equal(trial.params.x, t.x, `trial ${t.number}: the params Optuna sampled are the job's`);
      assert.equal(trial.params.steps, 20);
      assert.ok([100, 120].includes(trial.params.intervalMs), 'an int domain sampled on its steps');
      assert.equal(trial.params.unit, 'step', 'a fixed param merged in by the study');
      assert.ok(t.reported > 0, `trial ${t.number}: Trainyard's metrics were reported to Optuna`);
      if (t.state === 'COMPLETE') {
        assert.equal(trial.state, 'succeeded');
        assert.equal(t.value, trial.objective.value, 'the value Optuna got is the objective\'s last point');
      } else {
        assert.equal(t.state, 'PRUNED', `trial ${t.number}: ${t.state}`);
        assert.equal(trial.state, 'stopped', `pruned trial ${t.number}: its job was stopped`);
        assert.equal(trial.decision.policy, 'external');
      }
    }
    const pruned = trials.filter((t) => t.state === 'PRUNED');
    assert.ok(pruned.length >= 1, `some trials were pruned: ${JSON.stringify(trials.map((t) => [t.state, t.x]))}`);
    assert.ok(pruned.some((t) => study.trials[t.trainyard_trial].objective.step < 20), 'a pruned trial\'s job was stopped before its last step');
    assert.ok(Math.abs(result.best.x - 3) < 2, `the best x ${result.best.x} is near the optimum 3 (value ${result.best.value})`);
    assert.equal(study.best.index, trials.find((t) => t.value === result.best.value)!.trainyard_trial, 'Trainyard\'s best is Optuna\'s');
    // `trainyard study show` lists the asked trials as any study's, with the searcher's prunes.
    const shown = await runCli(['study', 'show', 'quadratic'], { dataDir: s.dataDir });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /12 asked of maxRuns 12/);
    assert.match(shown.stdout, /stop: pruned by the searcher at step \d+ \(loss /);
    // The bridge finished it; a finish again (by hand: `trainyard study finish`) changes nothing.
    const finished = await runCli(['study', 'finish', 'quadratic', '--json'], { dataDir: s.dataDir });
    assert.equal(finished.code, 0, finished.stderr);
    assert.equal(JSON.parse(finished.stdout).state, 'completed');
    console.log(`optuna bridge: ${trials.length} trials, ${pruned.length} pruned, best x ${result.best.x.toFixed(3)} (loss ${result.best.value.toFixed(4)})`);
  });
});
