/**
 * The executor contract suite, unchanged, against a real one-node Slurm cluster (slurm-cluster.ts).
 * What only Slurm does (sbatch options from the job, the queue reason, `scancel` from outside) is
 * in slurm.test.ts, through a server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runExecutorContract } from '../src/executors/executor-contract.ts';
import { createSlurmCli } from '../src/executors/slurm/slurm-cli.ts';
import { createSlurmExecutor } from '../src/executors/slurm/slurm-executor.ts';
import { requireOrSkip } from './harness.ts';
import { SLURM_REQUIREMENT, slurmAvailable, startSlurmCluster, type SlurmCluster } from './slurm-cluster.ts';

const skip = requireOrSkip(slurmAvailable(), SLURM_REQUIREMENT);
if (skip) console.log(`# skipped: ${skip}`);

let cluster: SlurmCluster | null = null;
const env = () => {
  if (!cluster) throw new Error('the Slurm cluster is not running');
  return { ...process.env, ...cluster.env };
};
const create = () => createSlurmExecutor({ cli: createSlurmCli({ env: env() }), pollMs: 100 });

describe('Slurm executor', { skip }, () => {
  before(async () => {
    cluster = await startSlurmCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  runExecutorContract('slurm', { create, timeoutMs: 120_000 });
});
