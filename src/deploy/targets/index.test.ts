import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEPLOY_TARGET_KINDS } from '../../core/deployment.ts';
import { checkSmokeFits, targetKind, targetKinds } from './index.ts';

describe('targetKind', () => {
  it('finds every kind under its own name', () => {
    for (const kind of DEPLOY_TARGET_KINDS) assert.equal(targetKind(kind).kind, kind);
    assert.deepEqual(Object.keys(targetKinds).sort(), [...DEPLOY_TARGET_KINDS].sort());
  });

  it('names the field and the kinds there are for a name that is no kind', () => {
    assert.throws(() => targetKind('vllm'), {
      message: 'kind: expected one of "builtin", "http-reload", "vllm-lora", "command", got "vllm"', field: 'kind', code: 'invalid_target',
    });
    assert.throws(() => targetKind('toString'), { field: 'kind' });
  });
});

describe('checkSmokeFits', () => {
  it('refuses differsFromBase where the kind has no base model, and takes it where it has', () => {
    const smoke = { prompt: 'p', expect: { differsFromBase: true } };
    assert.throws(() => checkSmokeFits(targetKind('command'), smoke), {
      message: 'smoke.expect.differsFromBase: a command target has no base model to compare answers with (only vllm-lora targets have)',
      field: 'smoke.expect.differsFromBase',
    });
    checkSmokeFits(targetKind('vllm-lora'), smoke);
    checkSmokeFits(targetKind('command'), { prompt: 'p', expect: { minLength: 1 } });
    checkSmokeFits(targetKind('http-reload'), null);
  });
});
