import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SlurmCli } from './slurm-cli.ts';
import type { SlurmJobRecord } from './slurm-states.ts';
import { createSlurmWatch } from './slurm-watch.ts';

const job = (id: number, state: string): SlurmJobRecord => ({ id: String(id), name: `trainyard-${id}-1`, state, reason: null, exit: state === 'COMPLETED' ? { exitCode: 0, signal: null } : null, comment: null });

/** squeue and sacct answering from two tables the test changes; every call counted. */
function scripted() {
  const calls: string[] = [];
  const queue = new Map<string, SlurmJobRecord>();
  const accounting = new Map<string, SlurmJobRecord>();
  const cli: SlurmCli = {
    sbatch: async () => '1',
    scancel: async () => {},
    squeue: async () => {
      calls.push('squeue');
      return [...queue.values()];
    },
    sacct: async ({ ids }) => {
      calls.push(`sacct ${ids?.join(',')}`);
      return (ids ?? []).flatMap((id) => accounting.get(id) ?? []);
    },
  };
  return { cli, calls, queue, accounting };
}

describe('Slurm watch', () => {
  it('asks squeue once per interval for all the jobs it waits on, and sacct once for those squeue forgot', async () => {
    const { cli, calls, queue, accounting } = scripted();
    for (let i = 1; i <= 200; i++) queue.set(String(i), job(i, 'RUNNING'));
    const watch = createSlurmWatch(cli, 5);
    const ended = Array.from({ length: 200 }, (_, i) => watch.ended(String(i + 1)));
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(calls.length >= 1 && calls.every((c) => c === 'squeue'), calls.join(' '));
    for (let i = 1; i <= 200; i++) {
      if (i <= 100) queue.set(String(i), job(i, 'COMPLETED'));
      else {
        queue.delete(String(i));
        accounting.set(String(i), job(i, 'TIMEOUT'));
      }
    }
    const records = await Promise.all(ended);
    assert.deepEqual(records.slice(0, 100).map((r) => r?.state), Array(100).fill('COMPLETED'));
    assert.deepEqual(records.slice(100).map((r) => r?.state), Array(100).fill('TIMEOUT'));
    const sacct = calls.filter((c) => c.startsWith('sacct'));
    assert.equal(sacct.length, 1, 'one sacct for all the jobs squeue forgot');
    assert.equal(sacct[0], `sacct ${Array.from({ length: 100 }, (_, i) => i + 101).join(',')}`);
  });

  it('gives up on a job neither squeue nor sacct knows, after three intervals', async () => {
    const { cli } = scripted();
    assert.equal(await createSlurmWatch(cli, 5).ended('42'), null);
  });

  it('keeps waiting while squeue fails (slurmctld down)', async () => {
    const { cli, queue } = scripted();
    let failures = 3;
    const squeue = cli.squeue;
    cli.squeue = async () => {
      if (failures-- > 0) throw new Error('slurmctld unreachable');
      return squeue();
    };
    queue.set('7', job(7, 'COMPLETED'));
    assert.equal((await createSlurmWatch(cli, 5).ended('7'))?.state, 'COMPLETED');
  });
});
