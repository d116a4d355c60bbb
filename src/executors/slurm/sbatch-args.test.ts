import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StartRequest } from '../executor.ts';
import { jobEnv, sbatchArgs } from './sbatch-args.ts';

const base: StartRequest = {
  argv: ['python3', 'train.py', 'a b'], cwd: '/work', env: {}, logPath: '/data/jobs/7/runs/1/log', runDir: '/data/jobs/7/runs/1', name: 'trainyard-7-1',
};
const resources = { gpus: 2, cpus: 8, timeLimitSeconds: 3600, stopGraceSeconds: 30, priority: { class: 'high' as const, value: 0 } };

describe('sbatch options', () => {
  it('names the run, its folder, cwd and log, and passes argv verbatim after the script', () => {
    const args = sbatchArgs(base, {}, '/x/slurm-job.sh');
    assert.deepEqual(args, [
      '--export=ALL', '--job-name=trainyard-7-1', '--comment=/data/jobs/7/runs/1', '--chdir=/work',
      '--output=/data/jobs/7/runs/1/log', '--open-mode=append', '--no-requeue',
      '/x/slurm-job.sh', '/data/jobs/7/runs/1', 'python3', 'train.py', 'a b',
    ]);
  });

  it('asks for the job\'s GPUs, CPUs, time and priority; the job\'s slurm block wins over the defaults', () => {
    const args = sbatchArgs({ ...base, resources: { ...resources, slurm: { partition: 'gpu', memory: '64G', extraArgs: ['--constraint=a100'] } } }, { partition: 'cpu', account: 'lab', qos: 'normal', extraArgs: ['--exclusive'] }, 's');
    for (const arg of ['--nice=500', '--cpus-per-task=8', '--gres=gpu:2', '--partition=gpu', '--account=lab', '--qos=normal', '--mem=64G', '--time=61', '--exclusive', '--constraint=a100']) assert.ok(args.includes(arg), `${arg} in ${args.join(' ')}`);
    assert.ok(!args.includes('--partition=cpu'));
    assert.ok(sbatchArgs({ ...base, resources: { ...resources, slurm: { gpuFlag: 'gpus', time: '2-00:00:00' } } }, {}, 's').includes('--gpus=2'));
    assert.ok(sbatchArgs({ ...base, resources: { ...resources, slurm: { time: '2-00:00:00' } } }, {}, 's').includes('--time=2-00:00:00'));
    const cpuOnly = sbatchArgs({ ...base, resources: { ...resources, gpus: 0, cpus: 1, timeLimitSeconds: null } }, {}, 's');
    assert.ok(!cpuOnly.some((a) => a.startsWith('--gres') || a.startsWith('--time')));
  });

  it('drops the scheduler\'s CUDA_VISIBLE_DEVICES: Slurm picks the GPUs', () => {
    assert.deepEqual(jobEnv({ CUDA_VISIBLE_DEVICES: '3', A: '1' }), { A: '1' });
  });
});
