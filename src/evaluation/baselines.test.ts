import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEvalSuite } from '../core/eval-suite.ts';
import { resolveBaseline } from './baselines.ts';

const suite = (baseline: unknown) => ({
  ...parseEvalSuite({ name: 's', command: ['true'], cwd: '/', metrics: [{ name: 'loss', goal: 'min' }], ...(baseline ? { baseline } : {}) }),
  version: 1,
  createdAt: 0,
});

describe('resolveBaseline', () => {
  it("reads a suite's fixed values", async () => {
    assert.deepEqual(await resolveBaseline(suite({ label: 'random', values: { loss: 4 } }), null), { label: 'random', values: { loss: 4 } });
    assert.equal(await resolveBaseline(suite(null), null), null);
  });

  it("asks the registry's resolver for a model version's results, and has none without it", async () => {
    const modelSuite = suite({ model: 'lm@production' });
    assert.equal(await resolveBaseline(modelSuite, null), null);
    const asked: string[] = [];
    const found = await resolveBaseline(modelSuite, async (model) => {
      asked.push(model);
      return { loss: 1.5 };
    });
    assert.deepEqual([found, asked], [{ label: 'lm@production', values: { loss: 1.5 } }, ['lm@production']]);
    assert.equal(await resolveBaseline(modelSuite, async () => null), null);
  });
});
