import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeChar, NAME_MAX_LENGTH, nameProblem, nameSchema } from './names.ts';

describe('names', () => {
  it('accepts ordinary names in any script, with spaces and punctuation', () => {
    for (const name of ['train.py', 'sweep lr=0.1 (seed 3)', 'Überprüfung', '学習ジョブ', 'عربي', 'emoji 🚀', 'a'.repeat(NAME_MAX_LENGTH)]) {
      assert.equal(nameProblem(name), null, name);
    }
    assert.equal(nameProblem('sweep/lr=0.1'), null, 'job names may hold a slash');
  });

  it('refuses control characters and bidirectional overrides, saying which and where', () => {
    assert.equal(
      nameProblem('invoice\u202Egpj.exe'),
      'contains U+202E (right-to-left override) at character 8: names may not contain control characters or bidirectional overrides, which change how terminals show text',
    );
    assert.match(nameProblem('a\u0000b')!, /^contains U\+0000 \(NUL\) at character 2:/);
    assert.match(nameProblem('red \u001b[31m')!, /^contains U\+001B \(ESC\) at character 5:/);
    assert.match(nameProblem('two\nlines')!, /U\+000A \(newline\)/);
    assert.match(nameProblem('c1 \u0085')!, /U\+0085 \(a control character\)/);
    for (const c of ['\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069', '\u061c', '\u2028', '\u007f']) {
      assert.notEqual(nameProblem(`x${c}y`), null, describeChar(c.codePointAt(0)!));
    }
  });

  it('refuses path separators where asked, empty and over-long names', () => {
    assert.equal(nameProblem('../../../../etc/passwd', { noPathSeparators: true }), 'contains "/" at character 3: names may not contain path separators');
    assert.match(nameProblem('a\\b', { noPathSeparators: true })!, /contains "\\" at character 2/);
    assert.equal(nameProblem(''), 'must not be empty');
    assert.equal(nameProblem('x'.repeat(NAME_MAX_LENGTH + 1)), `must be at most ${NAME_MAX_LENGTH} characters long, got ${NAME_MAX_LENGTH + 1}`);
  });

  it('nameSchema trims, then checks', () => {
    assert.equal(nameSchema().parse('  ci  '), 'ci');
    const result = nameSchema({ noPathSeparators: true }).safeParse('a/b');
    assert.equal(result.success, false);
    assert.match(result.error!.issues[0].message, /path separators/);
    assert.equal(nameSchema().safeParse('   ').success, false);
  });
});
