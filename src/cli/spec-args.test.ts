import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from './io.ts';
import { applyFlags, buildInlineSpec, flaggedFields, parseCount, parseJobId, parseParamValue, splitPair } from './spec-args.ts';

describe('buildInlineSpec', () => {
  it('takes the argv after -- and the current directory', () => {
    assert.deepEqual(buildInlineSpec({}, ['python3', 'train.py', '--lr', '0.1'], '/work'), {
      command: ['python3', 'train.py', '--lr', '0.1'],
      cwd: '/work',
    });
  });

  it('passes --from through as the spec\'s from:, over a job file\'s', () => {
    assert.equal(buildInlineSpec({ from: 'model:chat@production' }, ['x'], '/w').from, 'model:chat@production');
    assert.equal(applyFlags({ command: ['x'], cwd: '/w', from: { job: 3 } }, { from: 'checkpoint:345' }, '/w').from, 'checkpoint:345');
    assert.deepEqual(flaggedFields({ from: 'job:12' }), ['from']);
  });

  it('turns every flag into its spec field', () => {
    const spec = buildInlineSpec(
      {
        name: 'sweep-1',
        gpus: '2',
        cpus: '4',
        cwd: 'sub/dir',
        env: ['SEED=1', 'URL=a=b'],
        param: ['lr=0.01', 'opt=adam', 'layers=[1,2]', 'flag=true', 'quoted="7"'],
        maxRetries: '0',
        keep: '5',
        grace: '2.5',
        tag: ['a', 'b'],
      },
      ['node', 'train.ts'],
      '/work',
    );
    assert.deepEqual(spec, {
      command: ['node', 'train.ts'],
      cwd: '/work/sub/dir',
      name: 'sweep-1',
      resources: { gpus: 2, cpus: 4 },
      env: { SEED: '1', URL: 'a=b' },
      params: { lr: 0.01, opt: 'adam', layers: [1, 2], flag: true, quoted: '7' },
      maxRetries: 0,
      keepCheckpoints: 5,
      stopGraceSeconds: 2.5,
      tags: ['a', 'b'],
    });
  });

  it('joins the words into one script with --shell', () => {
    assert.deepEqual(buildInlineSpec({ shell: true }, ['echo hi', '&&', 'sleep 1'], '/w'), {
      command: 'echo hi && sleep 1',
      cwd: '/w',
      shell: true,
    });
  });

  it('refuses an empty command and bad numbers as usage errors', () => {
    assert.throws(() => buildInlineSpec({}, [], '/w'), UsageError);
    assert.throws(() => buildInlineSpec({ gpus: 'two' }, ['x'], '/w'), /--gpus expects a whole number/);
    assert.throws(() => buildInlineSpec({ gpus: '-1' }, ['x'], '/w'), UsageError);
    assert.throws(() => buildInlineSpec({ grace: '0' }, ['x'], '/w'), /--grace expects a number > 0/);
    assert.throws(() => buildInlineSpec({ env: ['NOVALUE'] }, ['x'], '/w'), /--env expects KEY=VALUE/);
    assert.throws(() => buildInlineSpec({ param: ['=1'] }, ['x'], '/w'), /--param expects KEY=VALUE/);
  });
});

describe('applyFlags', () => {
  const file = {
    command: ['node', 'train.ts'],
    cwd: '/repo/examples',
    env: { A: '1' },
    params: { lr: 0.1, steps: 100 },
    resources: { gpus: 1 },
    tags: ['demo'],
  };

  it('leaves a file spec alone without flags', () => {
    assert.deepEqual(applyFlags(file, {}, '/elsewhere'), file);
  });

  it('overrides fields and merges env, params, resources and tags', () => {
    const spec = applyFlags(file, { env: ['B=2'], param: ['lr=0.01'], cpus: '2', tag: ['x'], cwd: '.' }, '/here');
    assert.deepEqual(spec, {
      command: ['node', 'train.ts'],
      cwd: '/here',
      env: { A: '1', B: '2' },
      params: { lr: 0.01, steps: 100 },
      resources: { gpus: 1, cpus: 2 },
      tags: ['demo', 'x'],
    });
    assert.deepEqual(file.env, { A: '1' }, 'the input is not modified');
  });

  it('names the fields flags set, to tell them apart from the file’s', () => {
    assert.deepEqual(flaggedFields({ gpus: '1', keep: '2', env: ['A=1'] }), ['resources.gpus', 'keepCheckpoints']);
  });
});

describe('small parsers', () => {
  it('splits KEY=VALUE at the first =', () => {
    assert.deepEqual(splitPair('A=b=c', '--env'), ['A', 'b=c']);
    assert.deepEqual(splitPair('A=', '--env'), ['A', '']);
  });

  it('reads param values as JSON when they parse', () => {
    assert.equal(parseParamValue('0.5'), 0.5);
    assert.equal(parseParamValue('null'), null);
    assert.equal(parseParamValue('adam'), 'adam');
    assert.equal(parseParamValue(''), '');
  });

  it('parses counts and job ids', () => {
    assert.equal(parseCount('3', '--keep'), 3);
    assert.throws(() => parseCount('3.5', '--keep'), UsageError);
    assert.equal(parseJobId('42'), 42);
    assert.throws(() => parseJobId('0'), UsageError);
    assert.throws(() => parseJobId('abc'), /job id/);
  });
});
