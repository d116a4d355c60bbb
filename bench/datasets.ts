/**
 * Dataset validation benchmarks, each beside a baseline measured in the same run:
 * - STANDARD validation of a generated chat JSONL (1 GiB by default) in MB/s, beside bare
 *   JSON.parse over the same lines (same chunked reading and line splitting); peak resident
 *   memory of the validation (VmHWM, reset before it) against 300 MB.
 * - DEEP contamination check of 1 M training rows against 10,000 eval rows, beside the same pass
 *   hashing the same n-grams without looking them up; and the whole DEEP validation (near-
 *   duplicates, leakage, contamination, every standard check) of that file.
 *
 * Sizes: TRAINYARD_BENCH_DATASET_MB (default 1024), TRAINYARD_BENCH_TRAIN_ROWS (default
 * 1,000,000). Files are generated into the temp directory and deleted afterwards.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWordBuffer, scanWords } from '../src/datasets/checks/words.ts';
import { computeNgrams, createNgramBuffer } from '../src/datasets/checks/ngram-index.ts';
import { buildEvalIndex } from '../src/datasets/eval-sets.ts';
import { chatRow, createTextGenerator, vocabulary, writeJsonl } from '../src/datasets/fixtures/generate.ts';
import { chatFormat } from '../src/datasets/formats/chat.ts';
import type { IssueSink } from '../src/datasets/formats/format.ts';
import { validateFile } from '../src/datasets/index.ts';
import { readRows } from '../src/datasets/read/file-rows.ts';
import { DEFAULT_SETTINGS } from '../src/datasets/settings.ts';
import type { BenchResult } from './bench-result.ts';

const MB = 1e6;

export async function benchDatasets(): Promise<BenchResult[]> {
  return [...(await standardThroughput()), ...(await deepContamination())];
}

async function standardThroughput(): Promise<BenchResult[]> {
  const megabytes = Number(process.env.TRAINYARD_BENCH_DATASET_MB ?? 1024);
  const path = join(tmpdir(), `trainyard-bench-chat-${process.pid}.jsonl`);
  try {
    const text = createTextGenerator(1);
    const written = await writeJsonl(path, () => chatRow(text), { bytes: megabytes * 1024 * 1024 });
    const parseRate = written.bytes / MB / (await bareParseSeconds(path));

    const baseRss = residentMb();
    resetPeakRss();
    const started = performance.now();
    const report = await validateFile(path, { format: 'chat', level: 'standard' });
    const seconds = (performance.now() - started) / 1000;
    const peak = peakRssMb();
    if (report.rows !== written.rows || !report.passed) throw new Error(`unexpected report: ${report.summary}`);
    const rate = written.bytes / MB / seconds;
    return [
      {
        name: `STANDARD validation of a ${(written.bytes / MB).toFixed(0)} MB chat JSONL (${written.rows.toLocaleString('en-US')} rows; one core)`,
        value: Math.round(rate),
        unit: 'MB/s',
        baseline: { name: 'bare JSON.parse of the same lines, same reading', value: Math.round(parseRate) },
        target: '≥ 100 MB/s',
        ok: rate >= 100,
      },
      {
        name: 'peak resident memory of the process during that validation (VmHWM)',
        value: Math.round(peak),
        unit: 'MB',
        baseline: { name: 'resident memory before it', value: Math.round(baseRss) },
        target: '< 300 MB',
        ok: peak < 300,
      },
    ];
  } finally {
    rmSync(path, { force: true });
  }
}

/** Seconds to read the file in the validator's chunks, split lines and JSON.parse each. */
async function bareParseSeconds(path: string): Promise<number> {
  const started = performance.now();
  let carry = Buffer.alloc(0);
  let rows = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl === -1) break;
      JSON.parse(buf.toString('utf8', pos, nl));
      rows++;
      pos = nl + 1;
    }
    carry = Buffer.from(buf.subarray(pos));
  }
  if (rows === 0) throw new Error('no rows parsed');
  return (performance.now() - started) / 1000;
}

async function deepContamination(): Promise<BenchResult[]> {
  const trainRows = Number(process.env.TRAINYARD_BENCH_TRAIN_ROWS ?? 1_000_000);
  const evalRows = 10_000;
  const planted = 100;
  const trainPath = join(tmpdir(), `trainyard-bench-train-${process.pid}.jsonl`);
  const evalPath = join(tmpdir(), `trainyard-bench-eval-${process.pid}.jsonl`);
  try {
    const vocab = vocabulary(50_000, 3);
    const evalText = createTextGenerator(11, vocab);
    const evalContent: string[] = [];
    await writeJsonl(evalPath, () => {
      const row = chatRow(evalText, { userWords: [30, 80], assistantWords: [10, 40] });
      evalContent.push(row.messages[0].content);
      return row;
    }, { rows: evalRows });
    // Every (trainRows / planted)-th training row quotes 20 words of an eval question.
    const trainText = createTextGenerator(12, vocab);
    const every = Math.floor(trainRows / planted);
    await writeJsonl(trainPath, (i) => {
      const row = chatRow(trainText, { userWords: [15, 35], assistantWords: [20, 45] });
      if (i % every === every - 1) {
        const quote = evalContent[i % evalRows].split(' ').slice(5, 25).join(' ');
        row.messages[0].content = `${row.messages[0].content} ${quote}`;
      }
      return row;
    }, { rows: trainRows });
    evalContent.length = 0;

    const settings = DEFAULT_SETTINGS;
    const sets = [{ ref: 'eval@1', path: evalPath, format: chatFormat }];
    let started = performance.now();
    const evalIndex = await buildEvalIndex(sets, settings);
    const contaminated = await trainPass(trainPath, (words) => (evalIndex.index.lookup(words, 0, words.length) ? 1 : 0));
    const checkSeconds = (performance.now() - started) / 1000;
    if (contaminated !== planted) throw new Error(`found ${contaminated} contaminated rows, planted ${planted}`);

    started = performance.now();
    await buildEvalIndex(sets, settings);
    // The n-gram hashes are folded into the result, so the work cannot be optimised away.
    const grams = createNgramBuffer();
    await trainPass(trainPath, (words) => {
      computeNgrams(words.hashes, 0, words.length, settings.ngramWords, grams);
      let sink = 0;
      for (let k = 0; k < grams.length; k++) sink ^= grams.a[k] ^ grams.b[k];
      return sink === 0x7fffffff ? 1 : 0;
    });
    const baselineSeconds = (performance.now() - started) / 1000;

    started = performance.now();
    const report = await validateFile(trainPath, { format: 'chat', level: 'deep', evalSets: sets });
    const deepSeconds = (performance.now() - started) / 1000;
    const found = report.evalSets[0]?.contaminatedRows;
    if (found !== planted) throw new Error(`deep validation found ${found} contaminated rows, planted ${planted}: ${report.summary}`);
    const rows = `${trainRows.toLocaleString('en-US')} training rows against ${evalRows.toLocaleString('en-US')} eval rows`;
    return [
      {
        name: `DEEP contamination check (13-gram index of the eval set, then every training row; ${rows}; ${planted} planted found)`,
        value: round(checkSeconds),
        unit: 's',
        baseline: { name: 'the same pass hashing the same n-grams without looking them up', value: round(baselineSeconds) },
        target: '< 60 s',
        ok: checkSeconds < 60,
      },
      {
        name: `whole DEEP validation of those rows (standard checks, near-duplicates, leakage, contamination): ${report.summary}`,
        value: round(deepSeconds),
        unit: 's',
        baseline: { name: 'the contamination check alone', value: round(checkSeconds) },
        target: '< 60 s',
        ok: deepSeconds < 60,
      },
    ];
  } finally {
    rmSync(trainPath, { force: true });
    rmSync(evalPath, { force: true });
  }
}

const QUIET: IssueSink = { issue: () => {}, issueAt: () => {} };

/** Reads the chat file as the validator does and calls `check` with each row's body words. */
async function trainPass(path: string, check: (words: ReturnType<typeof createWordBuffer>) => number): Promise<number> {
  const checker = chatFormat.createChecker();
  const words = createWordBuffer();
  let total = 0;
  await readRows(path, 'jsonl', 'all', DEFAULT_SETTINGS, {
    row(value, line) {
      const content = checker.check(value, QUIET, line ?? 0);
      if (!content) return;
      words.length = 0;
      for (let p = 0; p < content.parts.length; p++) if (content.parts[p].kind !== 'system') scanWords(content.parts[p].text, p, words);
      total += check(words);
    },
    header() {},
    issue() {},
  });
  return total;
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}

function residentMb(): number {
  return process.memoryUsage.rss() / MB;
}

/** Resets the kernel's peak-RSS mark (Linux; ignored elsewhere). */
function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not Linux, or not allowed: VmHWM then covers the whole process.
  }
}

function peakRssMb(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return (Number(match[1]) * 1024) / MB;
  } catch {
    // fall through
  }
  return residentMb();
}
