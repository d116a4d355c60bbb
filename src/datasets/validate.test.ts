/**
 * validateFile on real files: every kind of bad input gives a rule with its place and never a
 * crash; depths; folders; near-duplicates and contamination with planted rows and a clean set.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { ValidationReport } from '../core/datasets.ts';
import { ValidationError } from '../core/errors.ts';
import { chatRow, createTextGenerator, vocabulary, writeJsonl } from './fixtures/generate.ts';
import { DatasetPathError, validateFile } from './index.ts';
import { readRows } from './read/file-rows.ts';
import { DEFAULT_SETTINGS } from './settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'trainyard-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function file(content: string | Buffer, name = `f${n++}.jsonl`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const row = (user: string, assistant: string) => JSON.stringify({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });
const good = (i: number) => row(`question number ${i} about topic ${i * 7}`, `answer ${i} explained in a few words`);
const goodLines = (count: number) => Array.from({ length: count }, (_, i) => good(i)).join('\n') + '\n';

function rule(report: ValidationReport, id: string) {
  return report.rules.find((r) => r.rule === id);
}

function rules(report: ValidationReport): string[] {
  return report.rules.map((r) => `${r.rule}×${r.count}`).sort();
}

describe('validateFile: bad input never crashes and says where', () => {
  it('a clean file passes with exact counts and stats', async () => {
    const report = await validateFile(file(goodLines(50)), { format: 'chat' });
    assert.equal(report.passed, true, report.summary);
    assert.equal(report.rows, 50);
    assert.equal(report.rowsEstimated, false);
    assert.deepEqual(report.rules, []);
    assert.deepEqual(report.stats.roles, { user: 50, assistant: 50 });
    assert.match(report.summary, /^chat · standard · 50 rows · no errors · PASSED$/);
  });

  it('an empty file', async () => {
    const report = await validateFile(file(''), { format: 'chat' });
    assert.deepEqual(rules(report), ['empty-file×1']);
    assert.equal(report.passed, false);
  });

  it('a file of blank lines', async () => {
    const report = await validateFile(file('\n  \n\n'), { format: 'chat' });
    assert.deepEqual(rules(report), ['blank-line×3', 'empty-file×1']);
  });

  it('a truncated last line', async () => {
    const path = file(`${goodLines(3)}${good(3).slice(0, 30)}`);
    const report = await validateFile(path, { format: 'chat' });
    assert.deepEqual(rules(report), ['truncated-last-line×1']);
    assert.equal(rule(report, 'truncated-last-line')?.examples[0].line, 4);
    assert.equal(report.rows, 3);
  });

  it('a last line without a newline that parses is fine', async () => {
    const report = await validateFile(file(goodLines(3).trimEnd()), { format: 'chat' });
    assert.equal(report.passed, true, report.summary);
    assert.equal(report.rows, 3);
  });

  it('invalid UTF-8, with the byte', async () => {
    const bad = Buffer.concat([Buffer.from(`${good(0)}\n{"messages": [{"role": "user", "content": "caf`), Buffer.from([0xe9]), Buffer.from(`"}]}\n${good(2)}\n`)]);
    const report = await validateFile(file(bad), { format: 'chat' });
    assert.deepEqual(rules(report), ['invalid-utf8×1']);
    const e = rule(report, 'invalid-utf8')?.examples[0];
    assert.equal(e?.line, 2);
    assert.match(e?.message ?? '', /byte 46 .*0xe9/);
    assert.equal(report.rows, 2);
  });

  it('a BOM (warning) and CRLF (warning), read correctly', async () => {
    const content = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(goodLines(4).replaceAll('\n', '\r\n'))]);
    const report = await validateFile(file(content), { format: 'chat' });
    assert.equal(report.passed, true, report.summary);
    assert.deepEqual(rules(report), ['bom×1', 'crlf×1']);
    assert.equal(report.files[0].bom, true);
    assert.equal(report.files[0].lineEndings, 'crlf');
    assert.equal(report.rows, 4);
  });

  it('mixed line endings', async () => {
    const report = await validateFile(file(`${good(0)}\r\n${good(1)}\n`), { format: 'chat' });
    assert.deepEqual(rules(report), ['mixed-line-endings×1']);
  });

  it('a 50 MB single line is skipped unread, the rows around it counted', async () => {
    const path = join(dir, 'long-line.jsonl');
    writeFileSync(path, `${good(0)}\n`);
    appendFileSync(path, `{"messages": "${'x'.repeat(50 * 1024 * 1024)}"}\n`);
    appendFileSync(path, `${good(2)}\n`);
    const report = await validateFile(path, { format: 'chat' });
    assert.deepEqual(rules(report), ['line-too-long×1']);
    const e = rule(report, 'line-too-long')?.examples[0];
    assert.equal(e?.line, 2);
    assert.match(e?.message ?? '', /50\.0 MiB line/);
    assert.equal(report.rows, 2);
    rmSync(path);
  });

  it('a binary file', async () => {
    const report = await validateFile(file(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x10])), { format: 'chat' });
    assert.deepEqual(rules(report), ['binary-file×1']);
  });

  it('a zip (or zstd, xz) file is named as such', async () => {
    const report = await validateFile(file(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])), { format: 'chat' });
    assert.match(rule(report, 'binary-file')?.examples[0].message ?? '', /zip archive/);
  });

  it('a UTF-16 file', async () => {
    const report = await validateFile(file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good(0), 'utf16le')])), { format: 'chat' });
    assert.deepEqual(rules(report), ['encoding×1']);
  });

  it('.jsonl.gz is read transparently', async () => {
    const path = file(gzipSync(goodLines(30)), 'data.jsonl.gz');
    const report = await validateFile(path, { format: 'chat' });
    assert.equal(report.passed, true, report.summary);
    assert.equal(report.rows, 30);
    assert.equal(report.files[0].compression, 'gzip');
  });

  it('a truncated gzip keeps the rows before the cut and says where it broke', async () => {
    const zipped = gzipSync(goodLines(2000));
    const path = file(zipped.subarray(0, Math.floor(zipped.length / 2)), 'cut.jsonl.gz');
    const report = await validateFile(path, { format: 'chat' });
    assert.ok(rule(report, 'gzip-corrupt'), report.summary);
    assert.ok(report.rows > 100 && report.rows < 2000, `rows ${report.rows}`);
    assert.equal(report.passed, false);
  });

  it('a file that changes while it is read', async () => {
    const path = file(goodLines(20));
    let appended = false;
    const issues: string[] = [];
    await readRows(path, 'jsonl', 'all', DEFAULT_SETTINGS, {
      row() {
        if (!appended) appendFileSync(path, `${good(99)}\n`);
        appended = true;
      },
      header() {},
      issue: (r, _line, _field, message) => issues.push(`${r}: ${message}`),
    });
    assert.equal(issues.length, 1);
    assert.match(issues[0], /^file-changed: the file changed size while it was read/);
  });

  it('a file truncated while it is read', async () => {
    const path = file(goodLines(20));
    let cut = false;
    const issues: string[] = [];
    await readRows(path, 'jsonl', 'all', DEFAULT_SETTINGS, {
      row() {
        if (!cut) truncateSync(path, 10);
        cut = true;
      },
      header() {},
      issue: (r) => issues.push(r),
    });
    assert.deepEqual(issues, ['file-changed']);
  });

  it('invalid JSON and non-objects, each with its line', async () => {
    const report = await validateFile(file(`${good(0)}\n{"messages": [\n[1, 2]\n"text"\n${good(4)}\n`), { format: 'chat' });
    assert.deepEqual(rules(report), ['invalid-json×1', 'not-an-object×2']);
    assert.deepEqual(rule(report, 'not-an-object')?.examples.map((e) => e.line), [3, 4]);
  });

  it('refuses a caller mistake: a missing path, an unknown format or level', async () => {
    await assert.rejects(validateFile(join(dir, 'missing.jsonl'), { format: 'chat' }), DatasetPathError);
    await assert.rejects(validateFile(file(goodLines(1)), { format: 'chatml' }), (e: unknown) => e instanceof ValidationError && e.field === 'format');
    await assert.rejects(validateFile(file(goodLines(1)), { format: 'chat', level: 'thorough' }), (e: unknown) => e instanceof ValidationError && e.field === 'level');
  });
});

describe('validateFile: depths', () => {
  it('quick samples a big file in well under a second and estimates its rows', async () => {
    const path = join(dir, 'big.jsonl');
    const text = createTextGenerator(1);
    const written = await writeJsonl(path, () => chatRow(text), { bytes: 64 << 20 });
    const started = performance.now();
    const report = await validateFile(path, { format: 'chat', level: 'quick' });
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `quick took ${ms} ms`);
    assert.equal(report.rowsEstimated, true);
    assert.ok(Math.abs(report.rows - written.rows) / written.rows < 0.1, `estimated ${report.rows}, actual ${written.rows}`);
    assert.equal(report.passed, true, report.summary);
    rmSync(path);
  });

  it('quick sees a problem in the middle of a big file with its byte offset, and a truncated end', async () => {
    const path = join(dir, 'big-bad.jsonl');
    const text = createTextGenerator(2);
    await writeJsonl(path, (i) => (i % 500 === 250 ? { messages: 'oops' } : chatRow(text)), { bytes: 16 << 20 });
    appendFileSync(path, '{"messages": [{"role"');
    const report = await validateFile(path, { format: 'chat', level: 'quick' });
    assert.ok(rule(report, 'schema'), report.summary);
    assert.ok(rule(report, 'schema')?.examples.some((e) => e.line === null && typeof e.offset === 'number'));
    assert.ok(rule(report, 'truncated-last-line'), report.summary);
    rmSync(path);
  });

  it('quick bounds line length: a 48 MB last line after 10 rows fails, naming the line and the limit', async () => {
    const path = join(dir, 'giant-last-line.jsonl');
    writeFileSync(path, goodLines(10));
    appendFileSync(path, `{"messages": "${'x'.repeat(48 << 20)}"}\n`);
    const report = await validateFile(path, { format: 'chat', level: 'quick' });
    assert.equal(report.passed, false, report.summary);
    assert.deepEqual(rules(report), ['line-too-long×1']);
    const e = rule(report, 'line-too-long')!.examples[0];
    assert.equal(e.line, 11);
    assert.match(e.message, /line 11 is over the limit of 8\.0 MiB \(maxLineBytes\)/);
    // Every line break was accounted for (the long line is not read to its end): exact.
    assert.equal(report.rows, 10);
    assert.equal(report.rowsEstimated, false);
    assert.equal(report.summary, 'chat · quick · 10 rows · 1 error (line-too-long) · FAILED');
    rmSync(path);
  });

  it('quick checks the last row whole, however long, and a long line in the middle', async () => {
    const path = join(dir, 'bad-tail.jsonl');
    const text = createTextGenerator(3);
    await writeJsonl(path, () => chatRow(text), { bytes: 8 << 20 });
    appendFileSync(path, `{"messages": "${'y'.repeat(12 << 20)}"}\n`);
    await writeJsonl(join(dir, 'more.jsonl'), () => chatRow(text), { bytes: 8 << 20 });
    appendFileSync(path, readFileSync(join(dir, 'more.jsonl')));
    // The last row: 200 KB, longer than the tail window, and not a valid row.
    appendFileSync(path, `{"messages": "${'z'.repeat(200_000)}"}\n`);
    const report = await validateFile(path, { format: 'chat', level: 'quick' });
    assert.equal(report.passed, false, report.summary);
    const long = rule(report, 'line-too-long');
    assert.equal(long?.count, 1, report.summary);
    assert.match(long!.examples[0].message, /over the limit of 8\.0 MiB/);
    const schema = rule(report, 'schema');
    assert.ok(schema, `the last row was not checked: ${report.summary}`);
    assert.ok(schema.examples.some((e) => e.offset !== undefined && e.offset > (16 << 20)), JSON.stringify(schema.examples));
    rmSync(path);
  });

  it('quick says that it sampled, and how many rows of the estimate it checked', async () => {
    const path = join(dir, 'sampled.jsonl');
    const text = createTextGenerator(4);
    const written = await writeJsonl(path, () => chatRow(text), { bytes: 8 << 20 });
    const report = await validateFile(path, { format: 'chat', level: 'quick' });
    assert.equal(report.rowsEstimated, true);
    assert.ok(report.rowsSampled !== undefined && report.rowsSampled > 0 && report.rowsSampled < written.rows, String(report.rowsSampled));
    assert.match(report.summary, /^chat · quick · sampled [\d,]+ of ~[\d,]+ rows · no errors · PASSED$/);
    const whole = await validateFile(path, { format: 'chat', level: 'standard' });
    assert.equal(whole.rowsSampled, undefined);
    assert.equal(whole.rows, written.rows);
    rmSync(path);
  });

  it('quick reads the head of gzip and CSV files to the end of a line, bounded', async () => {
    const head = goodLines(2000);
    const gz = file(gzipSync(Buffer.concat([Buffer.from(head), Buffer.from(`{"messages": "${'x'.repeat(20 << 20)}"}\n`), Buffer.from(goodLines(10))])), 'giant.jsonl.gz');
    const report = await validateFile(gz, { format: 'chat', level: 'quick', settings: { sampleBytes: head.length - 100 } });
    assert.deepEqual(rules(report), ['line-too-long×1']);
    assert.equal(rule(report, 'line-too-long')!.examples[0].line, 2001);
    const csv = file(`a,b\n${'1,2\n'.repeat(1000)}"${'q'.repeat(10 << 20)}",3\n`, 'giant.csv');
    const csvReport = await validateFile(csv, { format: 'csv', level: 'quick', settings: { sampleBytes: 3000 } });
    assert.equal(rule(csvReport, 'line-too-long')?.examples[0].line, 1002, csvReport.summary);
  });

  it('standard adds length limits and exact duplicates; quick does not run them', async () => {
    const lines = [good(0), good(1), row('QUESTION NUMBER 0 ABOUT TOPIC 0', 'answer 0 explained in a few words  '), row('long', 'y'.repeat(400))];
    const path = file(`${lines.join('\n')}\n`);
    const standard = await validateFile(path, { format: 'chat', settings: { maxTokens: 50 } });
    assert.deepEqual(rules(standard), ['exact-duplicate×1', 'too-long×1']);
    assert.equal(rule(standard, 'exact-duplicate')?.examples[0].line, 3);
    assert.deepEqual(rule(standard, 'exact-duplicate')?.examples[0].other, { file: path, line: 1 });
    assert.equal(rule(standard, 'too-long')?.examples[0].line, 4);
    assert.equal(standard.passed, false);
    assert.deepEqual(standard.errorsByLevel, { quick: 0, standard: 1, deep: 0 });
    const quick = await validateFile(path, { format: 'chat', level: 'quick', settings: { maxTokens: 50 } });
    assert.deepEqual(rules(quick), []);
  });

  it('severities can be raised per rule', async () => {
    const path = file(`${good(0)}\n${good(0)}\n`);
    const report = await validateFile(path, { format: 'chat', severity: { 'exact-duplicate': 'error' } });
    assert.equal(report.passed, false);
    assert.equal(rule(report, 'exact-duplicate')?.severity, 'error');
  });

  it('deep finds answer leakage', async () => {
    const leaky = row('Premises: all cats are mammals. Answer: all cats are mammals. What follows?', 'All cats are mammals.');
    const report = await validateFile(file(`${good(0)}\n${leaky}\n`), { format: 'chat', level: 'deep' });
    assert.deepEqual(rules(report), ['answer-leakage×1']);
    assert.equal(rule(report, 'answer-leakage')?.examples[0].line, 2);
    assert.deepEqual(report.errorsByLevel, { quick: 0, standard: 0, deep: 1 });
  });

  it('a user format from a definition, with a unique key across rows', async () => {
    const { createUserFormat, parseFormatDefinition } = await import('./formats/user-format.ts');
    const format = createUserFormat(parseFormatDefinition({ name: 'orders', schema: { type: 'object', required: ['id'] }, unique: ['id'] }));
    const report = await validateFile(file('{"id": 1, "t": "a"}\n{"id": 2, "t": "b"}\n{"id": 1, "t": "c"}\n'), { format });
    assert.deepEqual(rules(report), ['duplicate-key×1']);
    assert.equal(rule(report, 'duplicate-key')?.examples[0].line, 3);
  });

  it('exact duplicates are found across spills to disk too', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => good(i % 200));
    const report = await validateFile(file(`${lines.join('\n')}\n`), { format: 'chat', dedupeMemoryRows: 16 });
    assert.equal(rule(report, 'exact-duplicate')?.count, 100);
  });
});

describe('validateFile: csv, text, folders', () => {
  it('a CSV with quoted newlines, a wrong type and a short record', async () => {
    const records = ['id,minutes,text', ...Array.from({ length: 20 }, (_, i) => `${i},${i * 3},"row ${i}, quoted"`), '20,"two\nlines",x', '21,5'];
    const report = await validateFile(file(`${records.join('\n')}\n`, 'x.csv'), { format: 'csv' });
    assert.deepEqual(rules(report), ['csv-columns×1', 'csv-type×1']);
    assert.equal(rule(report, 'csv-type')?.examples[0].line, 22);
    assert.equal(rule(report, 'csv-columns')?.examples[0].line, 24);
    assert.equal(report.rows, 22);
  });

  it('a TSV file', async () => {
    const report = await validateFile(file('a\tb\n1\tx\n2\ty\n', 'x.tsv'), { format: 'csv' });
    assert.equal(report.passed, true, report.summary);
    assert.deepEqual(report.stats.fields.map((f) => f.field), ['a', 'b']);
  });

  it('plain text, one row per non-blank line', async () => {
    const report = await validateFile(file('First paragraph.\n\nSecond one.\n', 'x.txt'), { format: 'text' });
    assert.equal(report.rows, 2);
    assert.equal(report.passed, true, report.summary);
  });

  it('a folder: every file, relative names, duplicates across files', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(join(folder, 'part'), { recursive: true });
    writeFileSync(join(folder, 'a.jsonl'), goodLines(5));
    writeFileSync(join(folder, 'part', 'b.jsonl.gz'), gzipSync(`${good(1)}\n${good(10)}\n`));
    writeFileSync(join(folder, '.hidden'), 'not data');
    const report = await validateFile(folder, { format: 'chat' });
    assert.deepEqual(report.files.map((f) => [f.path, f.rows]), [['a.jsonl', 5], ['part/b.jsonl.gz', 2]]);
    assert.deepEqual(rule(report, 'exact-duplicate')?.examples[0], { file: 'part/b.jsonl.gz', line: 1, field: null, message: 'same text as line 2 of a.jsonl', offset: 0, other: { file: 'a.jsonl', line: 2 } });
  });
});

describe('validateFile: near-duplicates and contamination (deep)', () => {
  const vocab = vocabulary(30_000, 9);

  it('finds planted near-duplicate rows, and none in a clean generated set', async () => {
    const text = createTextGenerator(21, vocab);
    const clean = Array.from({ length: 2000 }, () => ({ u: text.words(text.between(20, 40)), a: text.words(text.between(30, 60)) }));
    const cleanReport = await validateFile(file(`${clean.map((r) => row(r.u, r.a)).join('\n')}\n`), { format: 'chat', level: 'deep' });
    assert.deepEqual(rules(cleanReport), [], cleanReport.summary);

    // Rows 2000..2019 copy rows 0, 50, 100, … with one word in 30 of the answer changed.
    const planted = Array.from({ length: 20 }, (_, k) => {
      const src = clean[k * 50];
      const a = src.a.split(' ').map((w, i) => (i % 30 === 29 ? 'changed' : w)).join(' ');
      return row(src.u, a);
    });
    const report = await validateFile(file(`${[...clean.map((r) => row(r.u, r.a)), ...planted].join('\n')}\n`), { format: 'chat', level: 'deep' });
    const near = rule(report, 'near-duplicate');
    assert.ok(near && near.count >= 19 && near.count <= 20, report.summary);
    assert.equal(near?.examples[0].line, 2001);
    assert.equal(near?.examples[0].other?.line, 1);
    assert.equal(rule(report, 'exact-duplicate'), undefined);
  });

  it('finds planted contamination by an eval set, and none in a clean one', async () => {
    const evalText = createTextGenerator(31, vocab);
    const trainText = createTextGenerator(32, vocab);
    const evalRows = Array.from({ length: 300 }, () => row(evalText.words(40), evalText.words(10)));
    const evalPath = file(`${evalRows.join('\n')}\n`);
    const train = Array.from({ length: 1000 }, () => ({ u: trainText.words(30), a: trainText.words(30) }));
    const trainPath = file(`${train.map((r) => row(r.u, r.a)).join('\n')}\n`);
    const evalSets = [{ ref: 'suite@1', path: evalPath, format: 'chat', sha256: 'e'.repeat(64) }];
    const clean = await validateFile(trainPath, { format: 'chat', level: 'deep', evalSets });
    assert.equal(clean.passed, true, clean.summary);
    assert.deepEqual(clean.evalSets, [{ ref: 'suite@1', sha256: 'e'.repeat(64), rows: 300, contaminatedRows: 0 }]);

    // 7 training rows quote 15 words of an eval question.
    const quoted = [3, 100, 250, 400, 555, 777, 999];
    for (const [k, i] of quoted.entries()) {
      const question = (JSON.parse(evalRows[k * 40]) as { messages: Array<{ content: string }> }).messages[0].content;
      train[i].u = `${train[i].u} ${question.split(' ').slice(5, 20).join(' ')}`;
    }
    const dirty = await validateFile(file(`${train.map((r) => row(r.u, r.a)).join('\n')}\n`), { format: 'chat', level: 'deep', evalSets });
    assert.equal(dirty.passed, false);
    assert.equal(dirty.evalSets[0].contaminatedRows, 7);
    const c = rule(dirty, 'contamination');
    assert.deepEqual(c?.examples.map((e) => e.line), [4, 101, 251, 401, 556]);
    assert.deepEqual(c?.examples[0].other, { file: evalPath, line: 1, dataset: 'suite@1' });
    assert.match(c?.examples[0].message ?? '', /shares 3 13-word n-grams with suite@1 line 1: "/);
    assert.deepEqual(dirty.errorsByLevel, { quick: 0, standard: 0, deep: 0 }, 'contamination is per eval set, not a depth');
  });
});
