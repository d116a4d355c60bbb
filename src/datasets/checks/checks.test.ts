/** The pure checks: hash tables, duplicate finding with spills, n-grams, MinHash, leakage, stats. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTextGenerator, vocabulary } from '../fixtures/generate.ts';
import type { TextPart } from '../formats/format.ts';
import { TEMPLATE_NGRAM_ROWS } from '../settings.ts';
import { createDuplicateFinder, sortByKey } from './dedupe.ts';
import { createStatsAccumulator, estimateTokens } from './field-stats.ts';
import { findLeak } from './leakage.ts';
import { BINS, createNearDuplicateIndex, signature } from './minhash.ts';
import { forEachNgram, NgramIndex } from './ngram-index.ts';
import { createTextHasher } from './text-hash.ts';
import { U64Table } from './u64-table.ts';
import { createWordBuffer, scanWords, type WordBuffer } from './words.ts';

function wordsOf(...texts: string[]): WordBuffer {
  const w = createWordBuffer(8);
  texts.forEach((t, i) => scanWords(t, i, w));
  return w;
}

describe('U64Table', () => {
  it('keeps the first value of a key through growth', () => {
    const t = new U64Table(4);
    for (let i = 0; i < 10_000; i++) t.insert(i * 7919, i ^ 0x5555, i);
    assert.equal(t.size, 10_000);
    for (let i = 0; i < 10_000; i += 97) assert.equal(t.value(t.find(i * 7919, i ^ 0x5555)), i);
    const slot = t.insert(7919, 1 ^ 0x5555, 999);
    assert.equal(t.inserted, false);
    assert.equal(t.value(slot), 1);
    assert.equal(t.find(1, 2), -1);
  });
});

describe('duplicate finder', () => {
  it('finds duplicates in memory and, after spills, across runs', async () => {
    const finder = createDuplicateFinder(10);
    const inMemory: Array<[number, number]> = [];
    // Rows 0..99; row i has key i % 60: rows 60..99 repeat rows 0..39.
    for (let row = 0; row < 100; row++) {
      const key = row % 60;
      const first = finder.add(key * 2654435761, key, row);
      if (first !== -1) inMemory.push([row, first]);
    }
    assert.ok(finder.runs > 0);
    const late = (await finder.finish()).map((p) => [p.where, p.firstWhere] as [number, number]);
    const all = [...inMemory, ...late].sort((a, b) => a[0] - b[0]);
    assert.deepEqual(all, Array.from({ length: 40 }, (_, i) => [60 + i, i]));
  });

  it('sorts keys by both halves', () => {
    const a = new Uint32Array([5, 1, 5, 0xffffffff, 1]);
    const b = new Uint32Array([2, 9, 1, 0, 3]);
    assert.deepEqual([...sortByKey(a, b)], [4, 1, 2, 0, 3]);
  });
});

describe('text hash', () => {
  const parts = (user: string, assistant: string): TextPart[] => [{ field: 'user', kind: 'prompt', text: user }, { field: 'assistant', kind: 'answer', text: assistant }];
  it('ignores case and surrounding whitespace, not fields or order', () => {
    const h = createTextHasher();
    assert.deepEqual(h.hashParts(parts('Hello World', 'Yes.')), h.hashParts(parts('  hello world\n', 'YES.')));
    assert.notDeepEqual(h.hashParts(parts('a', 'b')), h.hashParts(parts('b', 'a')));
    assert.notDeepEqual(h.hashParts(parts('a', 'b')), h.hashParts([{ field: 'system', kind: 'system', text: 'a' }, { field: 'assistant', kind: 'answer', text: 'b' }]));
  });

  it('does the same for long rows, and keys a million distinct rows apart', () => {
    const h = createTextHasher();
    const long = 'Lorem ipsum dolor sit amet '.repeat(4000);
    assert.deepEqual(h.hashParts(parts(long, 'x')), h.hashParts(parts(`  ${long.toUpperCase()}`, 'X')));
    assert.notDeepEqual(h.hashParts(parts(long, 'x')), h.hashParts(parts(long, 'y')));
    const seen = new U64Table(1 << 20);
    for (let i = 0; i < 1_000_000; i++) {
      const [a, b] = h.hashParts(parts(`row ${i}`, i % 3 === 0 ? 'ab' : 'abc'));
      seen.insert(a, b, i);
      assert.equal(seen.inserted, true, `row ${i} collided`);
    }
  });
});

describe('words', () => {
  it('folds case and splits on spaces and punctuation, keeping offsets', () => {
    const w = wordsOf('Hello, WORLD! naïve café 42');
    const again = wordsOf('hello world NAÏVE CAFÉ 42');
    assert.equal(w.length, 5);
    assert.deepEqual([...w.hashes.subarray(0, 5)], [...again.hashes.subarray(0, 5)]);
    assert.deepEqual([w.starts[1], w.ends[1]], [7, 12]);
  });
});

describe('n-grams', () => {
  it('rolls the same hash as computing each n-gram afresh', () => {
    const w = wordsOf(createTextGenerator(1).words(40));
    const rolled: string[] = [];
    forEachNgram(w.hashes, 0, w.length, 13, (a, b) => rolled.push(`${a},${b}`));
    const fresh: string[] = [];
    for (let i = 0; i + 13 <= w.length; i++) forEachNgram(w.hashes, i, i + 13, 13, (a, b) => fresh.push(`${a},${b}`));
    assert.equal(rolled.length, 28);
    assert.deepEqual(rolled, fresh);
  });

  it('finds a training row quoting 13+ words of an eval row, and nothing in unrelated text', () => {
    const text = createTextGenerator(2);
    const index = new NgramIndex(13);
    const evalRows = Array.from({ length: 200 }, () => text.words(60));
    evalRows.forEach((row, i) => index.addEvalRow(wordsOf(row), 0, wordsOf(row).length, 0, i + 1));
    const quote = evalRows[42].split(' ').slice(10, 24).join(' ');
    const hit = index.lookup(wordsOf(`${text.words(20)} ${quote} ${text.words(5)}`), 0, 1000);
    assert.ok(hit);
    assert.equal(index.evalRow(hit.evalRow).line, 43);
    assert.equal(hit.matches, 2);
    for (let i = 0; i < 500; i++) assert.equal(index.lookup(wordsOf(text.words(80)), 0, 1000), null);
    const short = evalRows[7].split(' ').slice(0, 12).join(' ');
    assert.equal(index.lookup(wordsOf(short), 0, 1000), null, '12 shared words are not a 13-gram');
  });

  it('ignores n-grams that many eval rows share (their template)', () => {
    const text = createTextGenerator(3);
    const template = 'Read the passage below carefully and answer the question that follows with one word';
    const index = new NgramIndex(13);
    for (let i = 0; i <= TEMPLATE_NGRAM_ROWS; i++) {
      const row = wordsOf(`${template} ${text.words(30)}`);
      index.addEvalRow(row, 0, row.length, 0, i + 1);
    }
    assert.equal(index.lookup(wordsOf(`${template} ${text.words(30)}`), 0, 1000), null);
  });
});

describe('MinHash near-duplicates', () => {
  const vocab = vocabulary(20_000, 5);

  function sigOf(text: string): Uint32Array {
    const w = wordsOf(text);
    const sig = new Uint32Array(BINS);
    assert.ok(signature(w, 0, w.length, 3, sig));
    return sig;
  }

  /** `base` with every `every`-th word replaced. */
  function edit(base: string, every: number, text: ReturnType<typeof createTextGenerator>): string {
    return base.split(' ').map((w, i) => (i % every === every - 1 ? text.words(1) : w)).join(' ');
  }

  it('finds planted near-duplicates and reports them against the first', () => {
    const text = createTextGenerator(4, vocab);
    const index = createNearDuplicateIndex(0.8);
    const originals = Array.from({ length: 300 }, () => text.words(text.between(60, 120)));
    originals.forEach((t, i) => assert.equal(index.add(sigOf(t), i), null, `clean row ${i} matched`));
    // One word in 40 changed: about 93% of 3-word shingles kept, Jaccard ≈ 0.87.
    let found = 0;
    for (let k = 0; k < 50; k++) {
      const match = index.add(sigOf(edit(originals[k * 5], 40, text)), 1000 + k);
      if (match?.where === k * 5) found++;
    }
    assert.ok(found >= 48, `found ${found} of 50 planted pairs`);
  });

  it('has no false positives on a clean generated set', () => {
    const text = createTextGenerator(6, vocab);
    const index = createNearDuplicateIndex(0.8);
    let matches = 0;
    for (let i = 0; i < 3000; i++) if (index.add(sigOf(text.words(text.between(20, 80))), i)) matches++;
    assert.equal(matches, 0);
  });

  it('does not flag half-similar rows', () => {
    const text = createTextGenerator(8, vocab);
    const index = createNearDuplicateIndex(0.8);
    const base = text.words(100);
    index.add(sigOf(base), 0);
    // Every third word changed: most shingles differ.
    assert.equal(index.add(sigOf(edit(base, 3, text)), 1), null);
  });
});

describe('answer leakage', () => {
  function leak(parts: TextPart[], minWords = 4) {
    const w = createWordBuffer();
    const ranges = new Int32Array(parts.length * 2);
    parts.forEach((p, i) => {
      ranges[2 * i] = w.length;
      scanWords(p.text, i, w);
      ranges[2 * i + 1] = w.length;
    });
    return findLeak(parts, w, ranges, minWords);
  }

  it('finds an answer already in the prompt, ignoring case and punctuation', () => {
    const parts: TextPart[] = [
      { field: 'user', kind: 'prompt', text: 'All cats are mammals; all mammals breathe. Hint: ALL CATS BREATHE AIR. Conclude.' },
      { field: 'assistant', kind: 'answer', text: 'All cats breathe air!' },
    ];
    assert.deepEqual(leak(parts), { answer: 1, prompt: 0, words: 4 });
  });

  it('does not judge short answers, nor answers only in later text', () => {
    assert.equal(leak([{ field: 'user', kind: 'prompt', text: 'Is it yes or no?' }, { field: 'assistant', kind: 'answer', text: 'yes' }]), null);
    assert.equal(leak([{ field: 'assistant', kind: 'answer', text: 'the sky is blue today' }, { field: 'user', kind: 'prompt', text: 'the sky is blue today' }]), null);
    assert.equal(leak([{ field: 'user', kind: 'prompt', text: 'why is the sky blue' }, { field: 'assistant', kind: 'answer', text: 'because of Rayleigh scattering' }]), null);
  });
});

describe('field statistics', () => {
  it('counts per field and estimates tokens with percentiles', () => {
    const stats = createStatsAccumulator(4);
    for (let i = 1; i <= 100; i++) {
      stats.add({ parts: [{ field: 'user', kind: 'prompt', text: 'x'.repeat(i * 4) }, { field: 'assistant', kind: 'answer', text: i === 50 ? ' ' : 'y' }], roles: ['user', 'assistant'] });
    }
    const r = stats.result();
    const user = r.fields.find((f) => f.field === 'user');
    assert.deepEqual(user, { field: 'user', count: 100, empty: 0, minChars: 4, maxChars: 400, meanChars: 202 });
    assert.equal(r.fields.find((f) => f.field === 'assistant')?.empty, 1);
    assert.deepEqual(r.roles, { user: 100, assistant: 100 });
    assert.equal(r.tokens?.min, 2);
    assert.equal(r.tokens?.max, 101);
    assert.ok(Math.abs((r.tokens?.p50 ?? 0) - 51) <= 5, `p50 ${r.tokens?.p50}`);
    assert.ok(Math.abs((r.tokens?.p95 ?? 0) - 96) <= 9, `p95 ${r.tokens?.p95}`);
    assert.equal(estimateTokens(9, 4), 3);
  });
});

describe('n-grams of short eval rows', () => {
  it('takes an eval row of 8 to 12 words whole, and ignores shorter ones', () => {
    const index = new NgramIndex(13);
    const short = wordsOf('what is the boiling point of water at sea level');
    index.addEvalRow(short, 0, short.length, 0, 1);
    const tiny = wordsOf('say hello to the class');
    index.addEvalRow(tiny, 0, tiny.length, 0, 2);
    const hit = index.lookup(wordsOf('Quiz: What is the boiling point of water at sea level? Think.'), 0, 1000);
    assert.equal(hit?.length, 10);
    assert.equal(index.evalRow(hit.evalRow).line, 1);
    assert.equal(index.lookup(wordsOf('please say hello to the class now'), 0, 1000), null);
    assert.equal(index.lookup(wordsOf('what is the boiling point of milk at sea level'), 0, 1000), null);
  });
});
