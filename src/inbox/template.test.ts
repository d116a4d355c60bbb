import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJobSpec } from '../core/job-spec.ts';
import { datasetNameFor, globToRegExp, jobInputFor, matchTemplate, shellQuote, type FileVars, type InboxTemplate } from './template.ts';

const vars: FileVars = { file: '/d/inbox/processing/chat v2.jsonl', name: 'chat v2.jsonl', priority: 'high', sha256: 'f00' };

describe('inbox templates', () => {
  it('matches globs on the whole name', () => {
    const cases: Array<[string, string, boolean]> = [
      ['*.jsonl', 'a.jsonl', true], ['*.jsonl', 'a.jsonl.gz', false], ['*.jsonl*', 'a.jsonl.gz', true],
      ['data-?.csv', 'data-1.csv', true], ['data-?.csv', 'data-10.csv', false], ['*.{jsonl,json}', 'x.json', true],
      ['*.{jsonl,json}', 'x.txt', false], ['a+b(1).txt', 'a+b(1).txt', true], ['a.txt', 'abtxt', false],
    ];
    for (const [glob, name, expected] of cases) assert.equal(globToRegExp(glob).test(name), expected, `${glob} ${name}`);
    assert.throws(() => globToRegExp('*.{a,b'), SyntaxError);
  });

  it('picks the first matching template', () => {
    const templates = [{ match: '*.csv', job: {} }, { match: 'eval-*', job: {} }, { match: '*', job: {} }];
    assert.equal(matchTemplate(templates, 'eval-1.csv'), 0);
    assert.equal(matchTemplate(templates, 'eval-1.jsonl'), 1);
    assert.equal(matchTemplate(templates, 'x'), 2);
    assert.equal(matchTemplate(templates.slice(0, 2), 'x'), -1);
  });

  it('substitutes placeholders in every string, resolves cwd, sets the priority class and the inbox tag', () => {
    const template: InboxTemplate = {
      match: '*',
      job: {
        name: 'finetune-{stem}',
        command: ['python3', 'train.py', '--data', '{file}', '--tag={priority}'],
        cwd: 'project',
        env: { DATA_SHA: '{sha256}', HOME_REF: '${HOME}' },
        params: { source: '{name}', steps: 10, nested: ['{stem}'] },
        priority: { class: 'low', value: 7 },
        tags: ['nightly'],
      },
    };
    const input = jobInputFor(template, vars, '/srv/data');
    assert.deepEqual(input, {
      name: 'finetune-chat v2',
      command: ['python3', 'train.py', '--data', '/d/inbox/processing/chat v2.jsonl', '--tag=high'],
      cwd: '/srv/data/project',
      env: { DATA_SHA: 'f00', HOME_REF: '${HOME}' },
      params: { source: 'chat v2.jsonl', steps: 10, nested: ['chat v2'] },
      priority: { class: 'high', value: 7 },
      tags: ['nightly', 'inbox'],
    });
    const spec = parseJobSpec(input);
    assert.deepEqual(spec.priority, { class: 'high', value: 7 });
    assert.equal(template.job?.name, 'finetune-{stem}', 'the template is not changed');
  });

  it('single-quotes values inserted into a shell command', () => {
    const hostile = { ...vars, file: "/in/x'; rm -rf ~; echo '.jsonl" };
    const input = jobInputFor({ match: '*', job: { command: 'wc -l {file} && echo "${HOME}"', cwd: '/' } }, hostile, '/');
    assert.equal(input.command, `wc -l ${shellQuote(hostile.file)} && echo "\${HOME}"`);
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    const argv = jobInputFor({ match: '*', job: { command: ['sh -c "cat {file}"'], shell: true, cwd: '/' } }, vars, '/');
    assert.deepEqual(argv.command, [`sh -c "cat '/d/inbox/processing/chat v2.jsonl'"`]);
  });

  it('keeps a priority it cannot read, for the spec check to report', () => {
    const input = jobInputFor({ match: '*', job: { command: ['x'], cwd: '/', priority: 'urgent' } }, vars, '/');
    assert.equal(input.priority, 'urgent');
    assert.throws(() => parseJobSpec(input), /priority/);
  });

  it('names the dataset version a file became under the template\'s role, at its depth unless the job sets one', () => {
    const template: InboxTemplate = {
      match: '*', job: { command: ['x'], cwd: '/', datasets: { eval: 'suite@1' } },
      dataset: { name: 'chat-{stem}', format: 'chat', role: 'train', depth: 'quick' },
    };
    assert.equal(datasetNameFor(template, vars), 'chat-chat v2');
    assert.equal(datasetNameFor({ match: '*', job: {} }, vars), null);
    const input = jobInputFor(template, vars, '/', 'chat-v2@4');
    assert.deepEqual([input.datasets, input.datasetLevel], [{ eval: 'suite@1', train: 'chat-v2@4' }, 'quick']);
    assert.equal(jobInputFor({ ...template, job: { ...template.job, datasetLevel: 'standard' } }, vars, '/', 'a@1').datasetLevel, 'standard', 'the job\'s own level is kept');
    assert.deepEqual(jobInputFor(template, vars, '/').datasets, { eval: 'suite@1' }, 'no version given: the role is not filled');
  });
});
