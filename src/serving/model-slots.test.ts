import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError } from '../core/errors.ts';
import { createModelSlots, LoadError, type ServingBackend, UnknownModelError } from './model-slots.ts';

/** Weights are the path's text; `slow:` paths answer after a tick, so a switch can happen in flight. */
const backend: ServingBackend = {
  async load(path) {
    if (path.startsWith('bad')) throw new Error('not a checkpoint');
    return {
      async generate(prompt) {
        if (path.startsWith('slow:')) await new Promise((done) => setTimeout(done, 20));
        return `${path}:${prompt}`;
      },
    };
  },
};

describe('model slots', () => {
  it('stages without serving, switches, resolves NAME and NAME@vN', async () => {
    const slots = createModelSlots('chat', backend);
    assert.throws(() => slots.resolve('chat'), UnknownModelError);
    await slots.stage(1, 'one');
    assert.equal(slots.serving(), null);
    assert.equal(slots.resolve('chat@v1').version, 1);
    slots.switch(1);
    assert.equal(slots.resolve('chat').version, 1);
    assert.throws(() => slots.resolve('other@v1'), /"other@v1" is not served here/);
    assert.throws(() => slots.switch(2), /chat@v2 is not loaded: stage it first \(loaded: chat@v1\)/);
  });

  it('a version that cannot be loaded is a LoadError and changes nothing', async () => {
    const slots = createModelSlots('chat', backend);
    await slots.stage(1, 'one');
    slots.switch(1);
    await assert.rejects(slots.stage(2, 'bad.bin'), (error: unknown) => error instanceof LoadError && /version 2 \(bad\.bin\) could not be loaded: not a checkpoint/.test(error.message));
    assert.equal(slots.serving()?.version, 1);
    assert.deepEqual(slots.loaded().map((l) => l.version), [1]);
  });

  it('a request in flight finishes on the version it started with', async () => {
    const slots = createModelSlots('chat', backend);
    await slots.stage(1, 'slow:one');
    slots.switch(1);
    const inFlight = slots.resolve('chat').servable.generate('hi', { maxTokens: 1, temperature: 1 });
    await slots.stage(2, 'two');
    slots.switch(2);
    assert.equal(await inFlight, 'slow:one:hi');
    assert.equal(await slots.resolve('chat').servable.generate('hi', { maxTokens: 1, temperature: 1 }), 'two:hi');
  });

  it('unloads what does not serve, never what does', async () => {
    const slots = createModelSlots('chat', backend);
    await slots.stage(1, 'one');
    await slots.stage(2, 'two');
    slots.switch(2);
    assert.throws(() => slots.unload(2), ConflictError);
    assert.equal(slots.unload(1), true);
    assert.equal(slots.unload(1), false);
  });
});
