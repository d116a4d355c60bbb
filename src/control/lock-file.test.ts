import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readProcStart } from '../executors/local/proc.ts';
import { lockFileText, readLockOwner } from './lock-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'trainyard-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const lock = (name: string, text?: string) => {
  const path = join(dir, name);
  if (text !== undefined) writeFileSync(path, text);
  return path;
};

describe('the data directory lock file', () => {
  it('names its owner with the start time, and tells a live owner from a gone or reused pid', () => {
    assert.equal(readLockOwner(lock('none')), null);
    assert.deepEqual(readLockOwner(lock('garbage', 'hello')), { kind: 'malformed', text: 'hello' });
    const parent = process.ppid;
    const start = readProcStart(parent);
    assert.equal(lockFileText(parent), `${parent} ${start}`);
    assert.deepEqual(readLockOwner(lock('live', lockFileText(parent))), { kind: 'owner', pid: parent, alive: true });
    assert.deepEqual(readLockOwner(lock('old-format', String(parent))), { kind: 'owner', pid: parent, alive: true });
    assert.deepEqual(readLockOwner(lock('reused', `${parent} ${start! + 1}`)), { kind: 'owner', pid: parent, alive: false }, 'another process has this pid now');
    const dead = Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());
    assert.equal((readLockOwner(lock('dead', String(dead))) as { alive: boolean }).alive, false);
  });

});
