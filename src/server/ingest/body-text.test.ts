import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyText } from './body-text.ts';

describe('bodyText', () => {
  it('reads ASCII and UTF-8 bodies to the same text a UTF-8 decoder gives', () => {
    for (const text of ['{"series":{"loss":{"steps":[1],"values":[0.5]}}}', '{"batchId":"ünïcödé-€-𝄞"}', '']) {
      const bytes = new TextEncoder().encode(text);
      assert.equal(bodyText(bytes), text);
      const offset = new Uint8Array(bytes.length + 5);
      offset.set(bytes, 5);
      assert.equal(bodyText(offset.subarray(5)), text, 'from a view into a larger buffer');
    }
  });
});
