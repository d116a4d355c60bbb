/**
 * A throwaway one-node Slurm cluster for tests: its own munged (own key and socket), slurmctld
 * and slurmd on free ports, all state in a temporary folder, stopped by the PIDs in their pid
 * files. Needs Debian's `slurm-wlm` and `munge` and root (slurmd runs jobs as their user);
 * `slurmAvailable()` says whether this machine has them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, tempDir } from './harness.ts';

export interface SlurmCluster {
  readonly dir: string;
  /** The environment the Slurm tools need to find this cluster: `SLURM_CONF`. */
  readonly env: { readonly SLURM_CONF: string };
  /** Stops slurmd, slurmctld and munged by their pids and removes the folder. */
  stop(): Promise<void>;
}

const TOOLS = ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/munged', '/usr/sbin/mungekey', '/usr/bin/sbatch', '/usr/bin/squeue', '/usr/bin/scancel', '/usr/bin/sacct'];

/** Slurm and munge are installed, and this process is root (slurmd must be). */
export function slurmAvailable(): boolean {
  return process.getuid?.() === 0 && TOOLS.every((tool) => existsSync(tool));
}

/** What `requireOrSkip` names when Slurm is missing. */
export const SLURM_REQUIREMENT = 'Slurm (apt-get install slurm-wlm munge; tests run as root)';

export async function startSlurmCluster(options: { readonly cpus?: number } = {}): Promise<SlurmCluster> {
  const dir = realpathSync(tempDir('trainyard-slurm-'));
  const munge = join(dir, 'munge');
  for (const sub of ['state', 'spool', 'log', 'munge']) mkdirSync(join(dir, sub));
  chmodSync(dir, 0o755);
  const uid = Number(execFileSync('id', ['-u', 'munge'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'munge'], { encoding: 'utf8' }).trim());
  chownSync(munge, uid, gid);
  chmodSync(munge, 0o700);
  const key = join(munge, 'munge.key');
  execFileSync('/usr/sbin/mungekey', ['--create', `--keyfile=${key}`]);
  chownSync(key, uid, gid);
  chmodSync(key, 0o400);
  const pids = { munged: join(munge, 'munged.pid'), slurmctld: join(dir, 'slurmctld.pid'), slurmd: join(dir, 'slurmd.pid') };
  const stop = async () => {
    // Jobs outlive slurmd (each has its own slurmstepd): cancel what a failed test left running.
    if (existsSync(join(dir, 'slurm.conf'))) await cancelAll({ ...process.env, SLURM_CONF: join(dir, 'slurm.conf') });
    for (const name of ['slurmd', 'slurmctld', 'munged'] as const) await stopByPidFile(pids[name]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const socket = join(munge, 'munge.sock');
    execFileSync('runuser', ['-u', 'munge', '--', '/usr/sbin/munged', `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${pids.munged}`, `--log-file=${join(munge, 'munged.log')}`, `--seed-file=${join(munge, 'seed')}`, '--force']);
    const host = hostname().split('.')[0];
    const conf = join(dir, 'slurm.conf');
    writeFileSync(conf, slurmConf({ dir, host, socket, pids, cpus: options.cpus ?? 16, ctldPort: await freePort(), slurmdPort: await freePort() }));
    const env = { SLURM_CONF: conf };
    const daemonEnv = { ...process.env, ...env };
    execFileSync('/usr/sbin/slurmctld', ['-f', conf], { env: daemonEnv });
    execFileSync('/usr/sbin/slurmd', ['-f', conf], { env: daemonEnv });
    await untilIdle(env, dir);
    return { dir, env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function slurmConf(c: { dir: string; host: string; socket: string; pids: Record<'slurmctld' | 'slurmd', string>; cpus: number; ctldPort: number; slurmdPort: number }): string {
  return `${[
    `ClusterName=ty${process.pid}`,
    `SlurmctldHost=${c.host}(127.0.0.1)`,
    `SlurmctldPort=${c.ctldPort}`,
    `SlurmdPort=${c.slurmdPort}`,
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    `AuthInfo=socket=${c.socket}`,
    'CredType=cred/munge',
    `StateSaveLocation=${join(c.dir, 'state')}`,
    `SlurmdSpoolDir=${join(c.dir, 'spool')}`,
    `SlurmctldPidFile=${c.pids.slurmctld}`,
    `SlurmdPidFile=${c.pids.slurmd}`,
    `SlurmctldLogFile=${join(c.dir, 'log', 'slurmctld.log')}`,
    `SlurmdLogFile=${join(c.dir, 'log', 'slurmd.log')}`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SchedulerType=sched/backfill',
    // Each submission is scheduled at once instead of after 3 s.
    'SchedulerParameters=batch_sched_delay=0',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core_Memory',
    // Without it every job takes the whole node's memory and jobs run one at a time.
    'DefMemPerCPU=100',
    'ReturnToService=2',
    // More CPUs than the machine has, so that the contract's jobs never wait for each other.
    'SlurmdParameters=config_overrides',
    'MpiDefault=none',
    'MailProg=/bin/true',
    'KillWait=2',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/filetxt',
    `JobCompLoc=${join(c.dir, 'jobcomp.txt')}`,
    'MinJobAge=300',
    `NodeName=${c.host} NodeAddr=127.0.0.1 CPUs=${c.cpus} RealMemory=${c.cpus * 1000} State=UNKNOWN`,
    'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
  ].join('\n')}\n`;
}

async function untilIdle(env: Record<string, string>, dir: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const sinfo = spawnSync('/usr/bin/sinfo', ['--noheader', '--format=%T'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (sinfo.status === 0 && /^idle/m.test(sinfo.stdout)) return;
    await sleep(200);
  }
  const log = (name: string) => (existsSync(join(dir, 'log', name)) ? readFileSync(join(dir, 'log', name), 'utf8').slice(-2000) : '');
  throw new Error(`the test Slurm cluster did not come up within 30 s\nslurmctld.log:\n${log('slurmctld.log')}\nslurmd.log:\n${log('slurmd.log')}`);
}

/** Cancels every job of this cluster and waits (up to 10 s) until none is running. */
async function cancelAll(env: NodeJS.ProcessEnv): Promise<void> {
  if (spawnSync('/usr/bin/scancel', ['--user', String(process.getuid?.() ?? 0)], { env }).status !== 0) return;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const left = spawnSync('/usr/bin/squeue', ['--noheader', '--states=RUNNING,COMPLETING'], { env, encoding: 'utf8' });
    if (left.status !== 0 || left.stdout.trim() === '') return;
    await sleep(100);
  }
}

/** SIGTERM to the pid in `file`, then wait (SIGKILL after 10 s). */
async function stopByPidFile(file: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isSafeInteger(pid) || pid <= 1) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 10_000;
  while (alive() && Date.now() < deadline) await sleep(50);
  if (alive()) process.kill(pid, 'SIGKILL');
}
