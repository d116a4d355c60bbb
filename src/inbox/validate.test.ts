import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { builtinCheck, validateInboxFile, verdictOf } from './validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'trainyard-inbox-validate-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('inbox validation', () => {
  it('built in: passes non-empty JSONL of objects', async () => {
    const verdict = await builtinCheck(file('ok.jsonl', '{"a":1}\r\n\n{"b":2}\n'), { format: 'chat', level: 'quick' });
    assert.equal(verdict.ok, true);
    assert.equal(verdict.summary, '2 rows');
  });

  it('built in: fails an empty file, blank lines, bad JSON and non-objects, with line numbers', async () => {
    const empty = await builtinCheck(file('empty.jsonl', ''), { format: 'chat', level: 'quick' });
    assert.deepEqual([empty.ok, empty.summary], [false, '1 error (first: the file is empty)']);
    const blank = await builtinCheck(file('blank.jsonl', '\n  \n'), { format: 'chat', level: 'quick' });
    assert.equal(blank.summary, '1 error (first: the file holds only blank lines)');
    const bad = await builtinCheck(file('bad.jsonl', '{"a":1}\nnot json\n[1]\n{"a":'), { format: 'chat', level: 'standard' });
    assert.equal(bad.ok, false);
    assert.equal(bad.summary, '3 errors (first: line 2: not valid JSON)');
    assert.deepEqual((bad.report as { errors: unknown }).errors, [
      { line: 2, message: 'not valid JSON' }, { line: 3, message: 'not a JSON object' }, { line: 4, message: 'not valid JSON' },
    ]);
  });

  it('built in: text formats only need content; quick reads the first 1000 lines', async () => {
    assert.equal((await builtinCheck(file('t.txt', 'hello\n'), { format: 'text', level: 'quick' })).ok, true);
    const late = file('late.jsonl', `${'{"a":1}\n'.repeat(1000)}oops\n`);
    assert.equal((await builtinCheck(late, { format: 'chat', level: 'quick' })).ok, true);
    assert.equal((await builtinCheck(late, { format: 'chat', level: 'standard' })).ok, false);
  });

  it('reads the verdict of a datasets report', () => {
    assert.deepEqual(verdictOf({ passed: false, errors: 2, warnings: 1, summary: 'chat · quick · 2 errors · FAILED' }).ok, false);
    assert.equal(verdictOf({ passed: true, errors: 0, summary: 'ok' }).summary, 'ok');
    assert.deepEqual([verdictOf({ errors: [1, 2], warnings: [] }).ok, verdictOf({ errors: [1, 2] }).summary], [false, '2 errors']);
    assert.equal(verdictOf({ summary: { errors: 0, warnings: 3 } }).summary, '0 errors, 3 warnings');
    assert.equal(verdictOf({ summary: { errors: 0 } }).ok, true);
    assert.deepEqual(verdictOf({ rows: 3 }), { ok: false, summary: 'the report gives no verdict', report: { rows: 3 } });
  });

  it('uses a given validator, and turns its exception into a failed verdict', async () => {
    const path = file('v.jsonl', '{}\n');
    const seen: unknown[] = [];
    const ok = await validateInboxFile(path, { format: 'chat', level: 'deep' }, async (p, rule) => (seen.push([p, rule]), { passed: true, summary: 'fine' }));
    assert.deepEqual([ok.ok, ok.summary, seen], [true, 'fine', [[path, { format: 'chat', level: 'deep' }]]]);
    const broken = await validateInboxFile(path, { format: 'chat', level: 'quick' }, () => {
      throw new Error('boom');
    });
    assert.deepEqual([broken.ok, broken.summary], [false, 'the validator failed: boom']);
    assert.equal((await validateInboxFile(path, { format: 'chat', level: 'quick' }, null)).summary, '1 row');
  });
});
