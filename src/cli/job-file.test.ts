import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileError } from './io.ts';
import { loadJobFile, parseJobFile } from './job-file.ts';

function fileError(fn: () => unknown): FileError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof FileError, `expected a FileError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

describe('job files', () => {
  it('reads YAML and resolves a relative cwd against the file’s directory', () => {
    const file = parseJobFile('job.yaml', '/repo/examples/char-lm/job.yaml', 'name: char-lm\ncommand: [node, train.ts]\ncwd: ../..\n');
    assert.deepEqual(file.spec, { name: 'char-lm', command: ['node', 'train.ts'], cwd: '/repo' });
  });

  it('uses the file’s directory when cwd is missing, and keeps an absolute one', () => {
    assert.equal(parseJobFile('j.yaml', '/a/b/j.yaml', 'command: [x]\n').spec.cwd, '/a/b');
    assert.equal(parseJobFile('j.yaml', '/a/b/j.yaml', 'command: [x]\ncwd: /abs\n').spec.cwd, '/abs');
  });

  it('reads JSON', () => {
    const file = parseJobFile('job.json', '/a/job.json', '{"command": ["python3", "t.py"], "resources": {"gpus": 1}}');
    assert.deepEqual(file.spec, { command: ['python3', 't.py'], resources: { gpus: 1 }, cwd: '/a' });
  });

  it('names the file, line and column of a syntax error', () => {
    const error = fileError(() => parseJobFile('bad.yaml', '/a/bad.yaml', 'name: x\ncommand: [a, b\nenv: {A: 1}\n'));
    assert.equal(error.file, 'bad.yaml');
    assert.equal(error.line, 3);
    assert.equal(error.column, 1);
    assert.match(error.message, /^bad\.yaml:3:1: /);
  });

  it('names the position of a JSON syntax error', () => {
    const error = fileError(() => parseJobFile('bad.json', '/a/bad.json', '{\n  "command": ["x"],\n  "cwd": \n}\n'));
    assert.equal(error.line, 3);
    assert.match(error.message, /^bad\.json:3:10: not a JSON value/);
  });

  it('reads .json files strictly', () => {
    assert.deepEqual(fileError(() => parseJobFile('t.json', '/t.json', '{"command": ["x"],\n "tags": [1,]}')).message, 't.json:2:12: trailing comma');
    assert.match(fileError(() => parseJobFile('u.json', '/u.json', '{"command": [x]}')).message, /^u\.json:1:14: not a JSON value: "x"/);
  });

  it('refuses duplicate keys, lists, scalars and empty files', () => {
    assert.equal(fileError(() => parseJobFile('d.yaml', '/d.yaml', 'command: [a]\ncommand: [b]\n')).line, 2);
    assert.match(fileError(() => parseJobFile('l.yaml', '/l.yaml', '- a\n- b\n')).message, /^l\.yaml:1:1: a job file holds a mapping/);
    assert.match(fileError(() => parseJobFile('s.yaml', '/s.yaml', 'hello\n')).message, /holds a mapping/);
    assert.match(fileError(() => parseJobFile('e.yaml', '/e.yaml', '')).message, /empty/);
    assert.equal(fileError(() => parseJobFile('c.yaml', '/c.yaml', 'command: [a]\ncwd: [1]\n')).line, 2);
  });

  it('locates a field for server-side errors', () => {
    const file = parseJobFile('j.yaml', '/j.yaml', 'command: [x]\nresources:\n  gpus: -1\nenv:\n  TRAINYARD_X: "1"\n');
    assert.deepEqual(file.locate('resources.gpus'), { line: 3, column: 3 });
    assert.deepEqual(file.locate('env.TRAINYARD_X'), { line: 5, column: 3 });
    assert.deepEqual(file.locate('command.0'), { line: 1, column: 11 });
    assert.deepEqual(file.locate('resources'), { line: 2, column: 1 });
    assert.equal(file.locate('maxRetries'), null);
    assert.equal(file.locate('resources.cpus'), null);
  });

  it('reports a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-cli-'));
    assert.match(fileError(() => loadJobFile('nope.yaml', dir)).message, /^nope\.yaml: no such file/);
    writeFileSync(join(dir, 'ok.yml'), 'command: [true]\n');
    assert.equal(loadJobFile('ok.yml', dir).spec.cwd, dir);
  });
});
