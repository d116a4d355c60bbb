import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arrivalStep, duplicateReason, exitForJob, exitStep, reasonFileText, validationFailedReason } from './file-state.ts';

const outcome = (detail: string) => ({ kind: 'exit-code' as const, detail, retryable: true });

describe('inbox file state', () => {
  it('sends a file to done/ only when its job succeeded', () => {
    assert.deepEqual(exitForJob(3, { state: 'succeeded', outcome: { kind: 'success', detail: 'exit code 0', retryable: false } }), { outcome: 'done', reason: null });
    assert.deepEqual(exitForJob(3, { state: 'failed', outcome: outcome('exit code 2') }), { outcome: 'failed', reason: 'job 3 failed: exit code 2' });
    assert.deepEqual(exitForJob(3, { state: 'stopped', outcome: null }), { outcome: 'failed', reason: 'job 3 was stopped' });
    assert.deepEqual(exitForJob(3, null), { outcome: 'failed', reason: 'job 3 no longer exists' });
  });

  it('waits while the job may still run', () => {
    for (const state of ['queued', 'running', 'stopping', 'pausing', 'paused'] as const) {
      assert.equal(exitForJob(1, { state, outcome: outcome('exit code 1') }), null, state);
    }
  });

  it('finishes an interrupted arrival only when the file reached processing/', () => {
    assert.equal(arrivalStep({ from: false, to: true }), 'complete');
    assert.equal(arrivalStep({ from: true, to: true }), 'complete', 'a new file with the same name was dropped meanwhile');
    assert.equal(arrivalStep({ from: true, to: false }), 'forget');
    assert.equal(arrivalStep({ from: false, to: false }), 'forget');
  });

  it('carries an exit on from wherever it stopped, never overwriting', () => {
    assert.equal(exitStep({ from: true, to: false }), 'rename');
    assert.equal(exitStep({ from: false, to: true }), 'complete');
    assert.equal(exitStep({ from: true, to: true }), 'retarget');
    assert.equal(exitStep({ from: false, to: false }), 'vanished');
  });

  it('names the original of a duplicate and its job', () => {
    assert.equal(duplicateReason({ name: 'a.jsonl', path: 'done/a.jsonl', nextPath: null, jobId: 4 }), 'duplicate of done/a.jsonl (job 4)');
    assert.equal(duplicateReason({ name: 'a.jsonl', path: 'processing/a.jsonl', nextPath: 'done/a.jsonl', jobId: 4 }), 'duplicate of done/a.jsonl (job 4)');
    assert.equal(duplicateReason({ name: 'a.jsonl', path: 'processing/a.jsonl', nextPath: null, jobId: null }), 'duplicate of processing/a.jsonl (no job yet)');
  });

  it('writes a reason file with the facts and the pretty report', () => {
    const text = reasonFileText({ name: 'a.jsonl', priority: 'high', sha256: 'ab', jobId: null, reason: 'validation failed (chat, quick): 1 error', report: '{"ok":false,"errors":[1]}' });
    assert.equal(text, [
      'validation failed (chat, quick): 1 error', '', 'file: a.jsonl (dropped into inbox/high/)', 'sha256: ab', 'job: none', '',
      'validation report:', '{\n  "ok": false,\n  "errors": [\n    1\n  ]\n}', '',
    ].join('\n'));
    assert.doesNotMatch(reasonFileText({ name: 'a', priority: 'low', sha256: 'ab', jobId: 2, reason: 'job 2 failed', report: null }), /report/);
  });

  it('names the first problems of a failed validation with file, line and field', () => {
    const example = (line: number | null, field: string | null, message: string) => ({ file: 'day2.jsonl', line, field, message });
    const report = {
      format: 'chat', level: 'standard' as const, errors: 5, summary: 'FAILED',
      rules: [
        { rule: 'schema', severity: 'error' as const, level: 'quick' as const, count: 3, description: '', examples: [example(3, 'messages[1].content', 'must be a string, got number 3'), example(4, 'messages', 'missing')] },
        { rule: 'exact-duplicate', severity: 'warning' as const, level: 'standard' as const, count: 1, description: '', examples: [example(9, null, 'same as line 8')] },
        { rule: 'invalid-json', severity: 'error' as const, level: 'quick' as const, count: 2, description: '', examples: [example(2, null, 'not valid JSON'), example(7, null, 'not valid JSON')] },
      ],
    };
    assert.equal(validationFailedReason(report),
      'validation failed (chat, standard): 5 errors: day2.jsonl line 3, field messages[1].content: schema: must be a string, got number 3; '
      + 'day2.jsonl line 4, field messages: schema: missing; day2.jsonl line 2: invalid-json: not valid JSON (and 2 more in the report)');
    assert.equal(validationFailedReason({ ...report, errors: 1, rules: [{ ...report.rules[2], count: 1, examples: [example(null, null, 'the file is empty')] }] }),
      'validation failed (chat, standard): 1 error: day2.jsonl: invalid-json: the file is empty');
    assert.equal(validationFailedReason({ ...report, errors: 1, rules: [] }), 'validation failed (chat, standard): 1 error: FAILED');
  });
});
