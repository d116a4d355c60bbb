import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLine, type ParsedLine } from './line-protocol.ts';

interface Case {
  readonly line: string;
  readonly expected: ParsedLine | null;
}

const valid: readonly Case[] = [
  { line: 'epoch 1 done', expected: null },
  { line: '', expected: null },
  { line: '#trainyardx metrics step=1 a=1', expected: null },
  { line: ' #trainyard metrics step=1 a=1', expected: null },
  {
    line: '#trainyard metrics step=120 loss=0.5312 acc=0.91',
    expected: { kind: 'metrics', step: 120, metrics: { loss: 0.5312, acc: 0.91 } },
  },
  {
    line: '#trainyard metrics step=1 loss=0.5\n',
    expected: { kind: 'metrics', step: 1, metrics: { loss: 0.5 } },
  },
  {
    line: '#trainyard metrics step=1 loss=0.5\r\n',
    expected: { kind: 'metrics', step: 1, metrics: { loss: 0.5 } },
  },
  {
    line: '#trainyard  metrics\tstep=2.5   lr=1e-3 g=-4 h=+.5 i=7. ',
    expected: { kind: 'metrics', step: 2.5, metrics: { lr: 0.001, g: -4, h: 0.5, i: 7 } },
  },
  {
    line: '#trainyard metrics step=3 a=nan b=inf c=-inf d=NaN e=Infinity f=-Infinity g=+INF',
    expected: {
      kind: 'metrics',
      step: 3,
      metrics: { a: NaN, b: Infinity, c: -Infinity, d: NaN, e: Infinity, f: -Infinity, g: Infinity },
    },
  },
  {
    line: '#trainyard metrics step=3 a="NaN" b="-Infinity"',
    expected: { kind: 'metrics', step: 3, metrics: { a: NaN, b: -Infinity } },
  },
  {
    line: '#trainyard metrics a=1 step=4 eval/loss.top-1=2',
    expected: { kind: 'metrics', step: 4, metrics: { a: 1, 'eval/loss.top-1': 2 } },
  },
  { line: '#trainyard progress total=5000', expected: { kind: 'progress', total: 5000 } },
  {
    line: '#trainyard progress total=5000 message="epoch 2"',
    expected: { kind: 'progress', total: 5000, message: 'epoch 2' },
  },
  {
    line: '#trainyard progress message="say \\"hi\\" \\u00e9"',
    expected: { kind: 'progress', message: 'say "hi" é' },
  },
  { line: '#trainyard progress message=warmup', expected: { kind: 'progress', message: 'warmup' } },
  { line: '#trainyard progress message=""', expected: { kind: 'progress', message: '' } },
  {
    line: '#trainyard checkpoint path=step-120.bin step=120 loss=0.5312',
    expected: { kind: 'checkpoint', path: 'step-120.bin', step: 120, metrics: { loss: 0.5312 } },
  },
  {
    line: '#trainyard checkpoint path="dir/with space.pt" step=7',
    expected: { kind: 'checkpoint', path: 'dir/with space.pt', step: 7, metrics: {} },
  },
  {
    line: '#trainyard checkpoint step=8 path=120 loss=nan',
    expected: { kind: 'checkpoint', path: '120', step: 8, metrics: { loss: NaN } },
  },
  { line: '#trainyard artifact path=plots/loss.png', expected: { kind: 'artifact', path: 'plots/loss.png' } },
  {
    line: '#trainyard artifact path="/tmp/run 1/gantt.svg" kind=image step=120 name="gantt (best).svg"',
    expected: { kind: 'artifact', path: '/tmp/run 1/gantt.svg', artifactKind: 'image', step: 120, name: 'gantt (best).svg' },
  },
  {
    line: '#trainyard artifact step=0 kind=table path=results.tsv',
    expected: { kind: 'artifact', path: 'results.tsv', artifactKind: 'table', step: 0 },
  },
  { line: '#trainyard artifact path=report.html kind=other', expected: { kind: 'artifact', path: 'report.html', artifactKind: 'other' } },
];

/** Lines that are instructions but malformed: the expected reason fragment and column. */
const malformed: readonly { line: string; reason: RegExp; column?: number }[] = [
  { line: '#trainyard', reason: /missing instruction/ },
  { line: '#trainyard    ', reason: /missing instruction/ },
  { line: '#trainyard metric step=1 a=1', reason: /unknown instruction 'metric'/, column: 12 },
  { line: '#trainyard step=1 a=1', reason: /expected an instruction/, column: 12 },
  { line: '#trainyard metrics loss=0.5', reason: /'step' is required/ },
  { line: '#trainyard metrics step=1', reason: /no metric/ },
  { line: '#trainyard metrics step=abc loss=1', reason: /'step' must be a finite number/, column: 25 },
  { line: '#trainyard metrics step=nan loss=1', reason: /'step' must be a finite number/ },
  { line: '#trainyard metrics step="1" loss=1', reason: /'step' must be a finite number/ },
  { line: '#trainyard metrics step=1 loss=high', reason: /metric 'loss' must be a number, got 'high'/, column: 32 },
  { line: '#trainyard metrics step=1 loss="0.5"', reason: /metric 'loss' must be a number/ },
  { line: '#trainyard metrics step=1 loss=0x10', reason: /must be a number/ },
  { line: '#trainyard metrics step=1 loss=1e', reason: /must be a number/ },
  { line: '#trainyard metrics step=1 loss', reason: /expected key=value, got 'loss'/, column: 27 },
  { line: '#trainyard metrics step=1 loss=', reason: /missing value for 'loss'/, column: 32 },
  { line: '#trainyard metrics step=1 =3', reason: /missing key/, column: 27 },
  { line: '#trainyard metrics step=1 b@d=3', reason: /invalid key 'b@d'/, column: 27 },
  { line: `#trainyard metrics step=1 ${'k'.repeat(201)}=3`, reason: /invalid key/ },
  { line: '#trainyard metrics step=1 a=1 a=2', reason: /duplicate field 'a'/, column: 31 },
  { line: '#trainyard metrics step=1 step=2 a=1', reason: /duplicate field 'step'/ },
  { line: '#trainyard progress', reason: /expected total or message/ },
  { line: '#trainyard progress total=-1', reason: /must not be negative/ },
  { line: '#trainyard progress total=inf', reason: /'total' must be a finite number/ },
  { line: '#trainyard progress total=10 eta=5', reason: /unknown field 'eta'/, column: 30 },
  { line: '#trainyard progress message="epoch 2', reason: /unterminated string/, column: 29 },
  { line: '#trainyard progress message="bad \\x"', reason: /invalid JSON string/ },
  { line: '#trainyard progress message="a"b', reason: /expected a space after the string/ },
  { line: '#trainyard progress message=ab"c', reason: /stray quote/ },
  { line: '#trainyard checkpoint step=1', reason: /'path' is required/ },
  { line: '#trainyard checkpoint path=a.pt', reason: /'step' is required/ },
  { line: '#trainyard checkpoint path="" step=1', reason: /'path' is empty/ },
  { line: '#trainyard checkpoint path=a.pt step=1 note="best"', reason: /metric 'note' must be a number/ },
  { line: '#trainyard artifact kind=image', reason: /artifact: 'path' is required/ },
  { line: '#trainyard artifact path=""', reason: /artifact: 'path' is empty/, column: 26 },
  { line: '#trainyard artifact path=a.png kind=picture', reason: /'kind' must be one of image, table, text, other, got 'picture'/, column: 37 },
  { line: '#trainyard artifact path=a.png step=last', reason: /artifact: 'step' must be a finite number, got 'last'/, column: 37 },
  { line: '#trainyard artifact path=a.png step=inf', reason: /'step' must be a finite number/, column: 37 },
  { line: '#trainyard artifact path=a.png name=""', reason: /artifact: 'name' is empty/, column: 37 },
  { line: '#trainyard artifact path=a.png loss=1', reason: /artifact: unknown field 'loss' \(expected path, kind, step, name\)/, column: 32 },
  { line: '#trainyard artifact path=a.png path=b.png', reason: /duplicate field 'path'/, column: 32 },
  { line: '#trainyard artifact a.png', reason: /expected key=value, got 'a.png'/, column: 21 },
];

/** Deep equality that treats NaN as equal to NaN (assert.deepStrictEqual does, via Object.is). */
function check(line: string, expected: ParsedLine | null): void {
  assert.deepStrictEqual(parseLine(line), expected, line);
}

describe('parseLine', () => {
  for (const { line, expected } of valid) {
    it(`parses ${JSON.stringify(line)}`, () => check(line, expected));
  }

  for (const { line, reason, column } of malformed) {
    it(`refuses ${JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line)}`, () => {
      const result = parseLine(line);
      assert.ok(result !== null && result.kind === 'invalid', `expected invalid, got ${JSON.stringify(result)}`);
      assert.match(result.reason, reason);
      if (column !== undefined) assert.equal(result.column, column);
    });
  }

  it('never throws on arbitrary input', () => {
    const alphabet = ['#trainyard ', 'metrics', 'progress', 'checkpoint', 'artifact', 'path', 'kind', ' ', '\t', '=', '"', '\\', 'step', '1', 'x', 'nan', '-', '.', 'e', 'é', '\u0000'];
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let n = 0; n < 5000; n++) {
      let line = n % 2 === 0 ? '#trainyard ' : '';
      const parts = next() % 12;
      for (let p = 0; p < parts; p++) line += alphabet[next() % alphabet.length];
      const result = parseLine(line);
      if (result !== null) assert.ok(['metrics', 'progress', 'checkpoint', 'artifact', 'invalid'].includes(result.kind));
    }
  });
});

describe('reserved keys', () => {
  it('refuses the key __proto__', () => {
    const parsed = parseLine('#trainyard metrics step=1 __proto__=2');
    assert.equal(parsed?.kind, 'invalid');
    assert.match(parsed?.kind === 'invalid' ? parsed.reason : '', /'__proto__' is reserved/);
  });
});
