import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadCurriculumFile } from './curriculum-file.ts';
import { FileError } from './io.ts';

const FILE = `name: arith
metric: accuracy
promote: {atLeast: 0.8, over: 3}
job:
  command: [python3, train.py]
levels:
  - name: easy
    suite: arith-easy
    generate: {command: [python3, gen.py], cwd: gen}
  - name: hard
    suite: arith-hard
    job: {cwd: /abs, maxRetries: 2}
`;

function write(text: string): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-curriculum-file-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'c.yaml'), text);
  return { dir, path: join(dir, 'sub', 'c.yaml') };
}

function problem(text: string): FileError {
  const { dir } = write(text);
  try {
    loadCurriculumFile('sub/c.yaml', dir);
  } catch (error) {
    assert.ok(error instanceof FileError, String(error));
    return error;
  }
  assert.fail('expected a FileError');
}

describe('curriculum files', () => {
  it("resolves cwds against the file's folder; a missing job.cwd is that folder", () => {
    const { dir } = write(FILE);
    const spec = loadCurriculumFile('sub/c.yaml', dir).spec as any;
    assert.equal(spec.job.cwd, join(dir, 'sub'));
    assert.equal(spec.levels[0].generate.cwd, join(dir, 'sub', 'gen'));
    assert.equal(spec.levels[1].job.cwd, '/abs');
  });

  it('says file:line:column and the field of each problem', () => {
    assert.equal(problem(FILE.replace('over: 3', 'over: 0')).message, 'sub/c.yaml:3:25: promote.over: must be at least 1, got the number 0');
    const nested = problem(FILE.replace('maxRetries: 2', 'maxRetries: -2'));
    assert.match(nested.message, /^sub\/c\.yaml:12:22: levels\.1\.job\.maxRetries: /);
    const syntax = problem('name: [unclosed\n');
    assert.match(syntax.message, /^sub\/c\.yaml:\d+:\d+: /);
    assert.match(problem('- a list\n').message, /^sub\/c\.yaml:1:1: a curriculum file holds a mapping/);
  });

  it('places a server error at the nearest field the file holds', () => {
    const { dir } = write(FILE);
    const file = loadCurriculumFile('sub/c.yaml', dir);
    assert.match(file.problem('levels.1.suite', 'levels.1.suite: no eval suite "arith-hard"').message, /^sub\/c\.yaml:11:5: levels\.1\.suite: no eval suite "arith-hard"$/);
    assert.match(file.problem('levels.0.job.params.lr', 'x').message, /^sub\/c\.yaml:7:\d+: levels\.0\.job\.params\.lr: x$/);
  });
});
