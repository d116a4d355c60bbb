/**
 * The sbatch options of one run. Pure: the request (argv, cwd, log, name, resources) and the
 * server's defaults in, options out. The job's `slurm:` block wins over the server's defaults
 * field by field. docs/slurm.md has the table.
 */
import { slurmNice, slurmTimeFor, type SlurmSpec } from '../../core/slurm-options.ts';
import type { StartRequest } from '../executor.ts';

/**
 * Options for `sbatch` (without `--parsable`, which the CLI adds) followed by the batch script,
 * its run directory and the run's argv, passed through verbatim as the script's arguments.
 */
export function sbatchArgs(request: StartRequest, defaults: SlurmSpec, script: string): string[] {
  const r = request.resources;
  const spec: SlurmSpec = { ...defaults, ...(r?.slurm ?? {}) };
  const time = spec.time ?? (r ? slurmTimeFor(r.timeLimitSeconds, r.stopGraceSeconds) : null);
  const args = [
    // The job gets exactly the environment sbatch is given (the run's own).
    '--export=ALL',
    `--job-name=${request.name}`,
    // The run directory: with the name, how a run whose job id was never recorded is found again.
    `--comment=${request.runDir}`,
    `--chdir=${request.cwd}`,
    // stdout and stderr both to the run's log, appended: the server reads it as the run goes.
    `--output=${request.logPath}`,
    '--open-mode=append',
    // Slurm never runs the job twice behind Trainyard's back: a retry comes from Trainyard, resumed.
    '--no-requeue',
  ];
  if (r) {
    args.push(`--nice=${slurmNice(r.priority)}`);
    if (r.cpus > 0) args.push(`--cpus-per-task=${r.cpus}`);
    if (r.gpus > 0) args.push(spec.gpuFlag === 'gpus' ? `--gpus=${r.gpus}` : `--gres=gpu:${r.gpus}`);
  }
  if (spec.partition) args.push(`--partition=${spec.partition}`);
  if (spec.account) args.push(`--account=${spec.account}`);
  if (spec.qos) args.push(`--qos=${spec.qos}`);
  if (spec.memory) args.push(`--mem=${spec.memory}`);
  if (time) args.push(`--time=${time}`);
  args.push(...(defaults.extraArgs ?? []), ...(r?.slurm?.extraArgs ?? []));
  return [...args, script, request.runDir, ...request.argv];
}

/**
 * The run's environment as the job gets it: the scheduler's `CUDA_VISIBLE_DEVICES` is dropped,
 * since Slurm picks the GPUs (and sets it) on the node it chose.
 */
export function jobEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const { CUDA_VISIBLE_DEVICES: _dropped, ...rest } = env;
  return rest;
}
