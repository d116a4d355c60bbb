import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findJsonProblem, MAX_JSON_DEPTH } from './json-guard.ts';

/** `{"a": {"a": … 1}}`, `levels` objects deep, built as text and parsed like a request body. */
function nested(levels: number): unknown {
  return JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);
}

describe('findJsonProblem', () => {
  it('accepts ordinary values, and nesting up to the limit', () => {
    assert.equal(findJsonProblem({ command: ['python3', 'train.py'], params: { lr: 0.1, layers: [{ d: 1 }] } }), null);
    assert.equal(findJsonProblem({ params: nested(MAX_JSON_DEPTH) }), null);
    assert.equal(findJsonProblem([1, 'a', null]), null);
    assert.equal(findJsonProblem('text'), null);
  });

  it('names the field nested too deep, how deep it goes and the limit', () => {
    assert.deepEqual(findJsonProblem({ name: 'x', params: nested(5000) }), { field: 'params', message: 'nested 5000 levels deep; the limit is 64' });
    assert.deepEqual(findJsonProblem({ params: nested(MAX_JSON_DEPTH + 1) }), { field: 'params', message: 'nested 65 levels deep; the limit is 64' });
    assert.deepEqual(findJsonProblem({ list: JSON.parse(`${'['.repeat(70)}${']'.repeat(70)}`) }, { maxDepth: 10 }), { field: 'list', message: 'nested 70 levels deep; the limit is 10' });
  });

  it('walks a million levels without overflowing the stack', () => {
    const problem = findJsonProblem({ params: nested(1_000_000) });
    assert.deepEqual(problem, { field: 'params', message: 'nested 1000000 levels deep; the limit is 64' });
    assert.equal(findJsonProblem(JSON.parse(`${'['.repeat(1000)}${']'.repeat(1000)}`))?.field, null);
  });

  it('refuses "__proto__" keys anywhere, and "constructor" objects with a "prototype", naming the key', () => {
    const proto = findJsonProblem(JSON.parse('{"params": {"x": [{"__proto__": {"admin": true}}]}}'));
    assert.equal(proto?.field, 'params.x.0.__proto__');
    assert.match(proto!.message, /the key "__proto__" is refused: .*prototype pollution/);
    assert.equal(findJsonProblem(JSON.parse('{"__proto__": 1}'))?.field, '__proto__');
    const ctor = findJsonProblem(JSON.parse('{"params": {"constructor": {"prototype": {"x": 1}}}}'));
    assert.equal(ctor?.field, 'params.constructor');
    assert.equal(findJsonProblem({ params: { constructor: 'a string is fine', proto: 1 } }), null);
  });
});
