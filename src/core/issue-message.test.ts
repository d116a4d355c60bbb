import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { closestIssue, describeIssue, describeValue, quote } from './issue-message.ts';

const schema = z.strictObject({
  gpus: z.number().int().min(0).max(64).optional(),
  name: z.string().min(1).max(5).optional(),
  cwd: z.string().refine((p) => p.startsWith('/'), 'must be an absolute path').optional(),
  level: z.enum(['quick', 'standard']).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  priority: z.union([z.enum(['high', 'low']), z.number(), z.strictObject({ class: z.enum(['high', 'low']) })]).optional(),
  tags: z.array(z.string()).max(2).optional(),
  required: z.string().optional(),
});

function message(input: unknown, reportInput = true): { path: string; message: string } {
  const result = schema.safeParse(input, { reportInput });
  assert.equal(result.success, false);
  const issue = closestIssue(result.error!.issues[0]);
  return { path: issue.path.join('.'), message: describeIssue(issue) };
}

describe('describeIssue', () => {
  it('says what type was expected and what came', () => {
    assert.deepEqual(message({ gpus: 'two' }), { path: 'gpus', message: 'expected a number, got the string "two"' });
    assert.deepEqual(message({ gpus: 1.5 }), { path: 'gpus', message: 'expected a whole number, got the number 1.5' });
    assert.deepEqual(message({ name: null }), { path: 'name', message: 'expected a string, got null' });
    assert.deepEqual(message({ tags: {} }), { path: 'tags', message: 'expected an array, got an object' });
    assert.deepEqual(message('text'), { path: '', message: 'expected an object, got the string "text"' });
  });

  it('says a missing field is required, and what it should be', () => {
    const required = z.strictObject({ command: z.array(z.string()) }).safeParse({}, { reportInput: true });
    assert.equal(describeIssue(required.error!.issues[0]), 'is required (expected an array)');
  });

  it('states bounds with the value or size that came', () => {
    assert.equal(message({ gpus: 100 }).message, 'must be at most 64, got the number 100');
    assert.equal(message({ gpus: -1 }).message, 'must be at least 0, got the number -1');
    assert.equal(message({ name: '' }).message, 'must not be empty, got 0 characters');
    assert.equal(message({ name: 'abcdefgh' }).message, 'must be at most 5 characters long, got 8 characters');
    assert.equal(message({ tags: ['a', 'b', 'c'] }).message, 'must have at most 2 items, got 3 items');
    const own = z.array(z.string()).min(1, 'needs at least one template').safeParse([], { reportInput: true });
    assert.equal(describeIssue(own.error!.issues[0]), 'needs at least one template, got 0 items', "a schema's own words are kept");
  });

  it('adds what came to enum and custom messages', () => {
    assert.equal(message({ level: 'deep' }).message, 'expected one of "quick"|"standard", got the string "deep"');
    assert.equal(message({ cwd: 'here' }).message, 'must be an absolute path, got the string "here"');
  });

  it('lists the alternatives of a union, or follows the one whose type matched', () => {
    assert.equal(message({ command: 5 }).message, 'expected a string or an array, got the number 5');
    assert.equal(message({ priority: true }).message, 'expected one of "high", "low", a number or an object, got true');
    assert.deepEqual(message({ priority: { class: 'urgent' } }), { path: 'priority.class', message: 'expected one of "high"|"low", got the string "urgent"' });
  });

  it('falls back to the type zod saw when the input was not reported', () => {
    assert.equal(message({ gpus: 'two' }, false).message, 'expected number, received string');
  });
});

describe('describeValue', () => {
  it('quotes short strings, measures long ones and escapes what would change the display', () => {
    assert.equal(describeValue(''), 'an empty string');
    assert.equal(describeValue('x'.repeat(50)), `a string of 50 characters ("${'x'.repeat(40)}…")`);
    assert.equal(describeValue([1]), 'an array of 1 item');
    assert.equal(quote('a\u202Eb\u001b'), '"a\\u202eb\\u001b"');
  });
});
