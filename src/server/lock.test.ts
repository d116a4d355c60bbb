import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockFileText, readLockOwner } from '../control/lock-file.ts';
import { readProcStart } from '../executors/local/proc.ts';
import { acquireLock } from './lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'trainyard-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const lock = (name: string, text?: string) => {
  const path = join(dir, name);
  if (text !== undefined) writeFileSync(path, text);
  return path;
};

describe('acquireLock', () => {
  it('takes over the lock of a killed server its parent has not reaped yet (a zombie)', async () => {
    // `sleep 0 &` ends while its parent, exec'd into `sleep 30`, never waits for it: a zombie.
    const shell = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    after(() => shell.kill('SIGKILL'));
    const zombie = Number((await new Promise<Buffer>((resolve) => shell.stdout.once('data', resolve))).toString().trim());
    const state = () => readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1][0];
    for (let i = 0; i < 200 && state() !== 'Z'; i++) await sleep(10);
    assert.equal(state(), 'Z');
    assert.equal((readLockOwner(lock('zombie', String(zombie))) as { alive: boolean }).alive, false);
    const taken = acquireLock(lock('zombie'), dir);
    assert.equal(readFileSync(lock('zombie'), 'utf8'), lockFileText());
    taken.release();
  });

  it('refuses a lock a live server holds, takes over one whose pid now names another process', () => {
    const parent = process.ppid;
    assert.throws(() => acquireLock(lock('held', lockFileText(parent)), dir), { name: 'DataDirLockedError' });
    const taken = acquireLock(lock('stale', `${parent} ${readProcStart(parent)! + 1}`), dir);
    assert.equal(readFileSync(lock('stale'), 'utf8'), lockFileText());
    taken.release();
    assert.equal(readLockOwner(lock('stale')), null, 'released');
  });
});
