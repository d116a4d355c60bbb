/**
 * What happens to each row's text after its format accepted it, by depth:
 * - every depth: field statistics and token estimate;
 * - standard: length limit (`too-long`), exact duplicates, unique keys;
 * - deep: near-duplicates (MinHash), contamination against the eval index, answer leakage.
 *
 * Rows arrive in file order; issues go to `report` with the row's place.
 */
import type { EvalSetResult, IssueExample, ValidationLevel, ValidationSettings } from '../../core/datasets.ts';
import { levelRank } from '../../core/datasets.ts';
import type { RowContent } from '../formats/format.ts';
import type { RuleId } from '../rules.ts';
import { DEDUPE_MEMORY_ROWS } from '../settings.ts';
import { createDuplicateFinder, type DuplicateFinder } from './dedupe.ts';
import type { EvalIndex } from './ngram-index.ts';
import { createStatsAccumulator } from './field-stats.ts';
import { findLeak } from './leakage.ts';
import { BINS, createNearDuplicateIndex, signature } from './minhash.ts';
import { createTextHasher } from './text-hash.ts';
import { createWordBuffer, scanWords } from './words.ts';

export interface RowPlace {
  readonly fileIndex: number;
  readonly line: number | null;
  readonly offset: number;
}

export interface RowAnalyzerOptions {
  readonly level: ValidationLevel;
  readonly settings: ValidationSettings;
  readonly evalIndex: EvalIndex | null;
  /** Display names of the files, by index. */
  readonly files: readonly string[];
  /** Default: DEDUPE_MEMORY_ROWS. */
  readonly dedupeMemoryRows?: number;
}

export type Reporter = (rule: RuleId, example: IssueExample) => void;

export function createRowAnalyzer(options: RowAnalyzerOptions, report: Reporter) {
  const { settings, evalIndex, files } = options;
  const standard = levelRank(options.level) >= levelRank('standard');
  const deep = options.level === 'deep';
  const stats = createStatsAccumulator(settings.charsPerToken);
  const hasher = createTextHasher();
  const memoryRows = options.dedupeMemoryRows ?? DEDUPE_MEMORY_ROWS;
  const duplicates = createDuplicateFinder(memoryRows);
  const keyFinders = new Map<string, DuplicateFinder>();
  const nearIndex = deep ? createNearDuplicateIndex(settings.nearDuplicateThreshold) : null;
  const words = createWordBuffer();
  const sig = new Uint32Array(BINS);
  let ranges = new Int32Array(64);
  const contaminated = new Array<number>(evalIndex?.sets.length ?? 0).fill(0);

  const pack = (at: RowPlace) => at.fileIndex * 2 ** 32 + (at.line ?? 0);
  const unpack = (where: number) => ({ file: files[Math.floor(where / 2 ** 32)], line: where % 2 ** 32 });
  const example = (at: RowPlace, field: string | null, message: string, other?: IssueExample['other']): IssueExample => ({
    file: files[at.fileIndex],
    line: at.line,
    field,
    message,
    offset: at.offset,
    ...(other ? { other } : {}),
  });

  function deepChecks(row: RowContent, at: RowPlace, exactDuplicate: boolean): void {
    const parts = row.parts;
    if (ranges.length < parts.length * 2) ranges = new Int32Array(parts.length * 4);
    // Body (non-system) words first, then system words: [0, bodyEnd) feeds shingles and n-grams.
    words.length = 0;
    for (let p = 0; p < parts.length; p++) {
      if (parts[p].kind === 'system') continue;
      ranges[2 * p] = words.length;
      scanWords(parts[p].text, p, words);
      ranges[2 * p + 1] = words.length;
    }
    const bodyEnd = words.length;
    for (let p = 0; p < parts.length; p++) {
      if (parts[p].kind !== 'system') continue;
      ranges[2 * p] = words.length;
      scanWords(parts[p].text, p, words);
      ranges[2 * p + 1] = words.length;
    }

    if (!exactDuplicate && nearIndex && signature(words, 0, bodyEnd, settings.shingleWords, sig)) {
      const match = nearIndex.add(sig, pack(at));
      if (match) {
        const other = unpack(match.where);
        report('near-duplicate', example(at, null, `~${Math.round(match.similarity * 100)}% similar to line ${other.line}${other.file === files[at.fileIndex] ? '' : ` of ${other.file}`}`, other));
      }
    }

    if (evalIndex) {
      const hit = evalIndex.index.lookup(words, 0, bodyEnd);
      if (hit) {
        for (const set of hit.sets) contaminated[set]++;
        const { set, line } = evalIndex.index.evalRow(hit.evalRow);
        const evalSet = evalIndex.sets[set];
        const snippet = snippetAt(row, hit.word, hit.length);
        const what = hit.length === settings.ngramWords
          ? `shares ${hit.matches} ${settings.ngramWords}-word n-gram${hit.matches === 1 ? '' : 's'} with ${evalSet.ref} line ${line}`
          : `holds all ${hit.length} words of ${evalSet.ref} line ${line}`;
        report('contamination', example(at, parts[words.parts[hit.word]]?.field ?? null, `${what}: "${snippet}"`, { file: evalSet.file, line, dataset: evalSet.ref }));
      }
    }

    const leak = findLeak(parts, words, ranges, settings.leakageMinWords);
    if (leak) {
      report('answer-leakage', example(at, parts[leak.answer].field,
        `the ${parts[leak.answer].field} answer (${leak.words} words) appears word for word in the ${parts[leak.prompt].field} text before it`));
    }
  }

  /** The text of n words from word `from` (within its part), shortened. */
  function snippetAt(row: RowContent, from: number, n: number): string {
    const part = words.parts[from];
    let last = from;
    while (last + 1 < words.length && last + 1 < from + n && words.parts[last + 1] === part) last++;
    const text = row.parts[part].text.slice(words.starts[from], words.ends[last]).replace(/\s+/g, ' ');
    return text.length > 80 ? `${text.slice(0, 79)}…` : text;
  }

  return {
    add(row: RowContent, at: RowPlace): void {
      const tokens = stats.add(row);
      if (!standard) return;
      if (tokens > settings.maxTokens) {
        report('too-long', example(at, null, `~${tokens} tokens, over the limit of ${settings.maxTokens} (at ${settings.charsPerToken} characters a token)`));
      }
      const [a, b] = hasher.hashParts(row.parts);
      const first = duplicates.add(a, b, pack(at));
      if (first !== -1) {
        const other = unpack(first);
        report('exact-duplicate', example(at, null, `same text as line ${other.line}${other.file === files[at.fileIndex] ? '' : ` of ${other.file}`}`, other));
      }
      if (row.keys) {
        for (const [name, value] of row.keys) {
          let finder = keyFinders.get(name);
          if (!finder) keyFinders.set(name, (finder = createDuplicateFinder(memoryRows)));
          const [ka, kb] = hasher.hashString(value);
          const firstKey = finder.add(ka, kb, pack(at));
          if (firstKey !== -1) {
            const other = unpack(firstKey);
            report('duplicate-key', example(at, name, `${name} ${value.length > 60 ? `${value.slice(0, 59)}…` : value} already used on line ${other.line}`, other));
          }
        }
      }
      if (deep) deepChecks(row, at, first !== -1);
    },

    /** Duplicates that only the merge of spilled runs finds. */
    async finish(): Promise<void> {
      const finders: Array<[RuleId, DuplicateFinder, string | null]> = [['exact-duplicate', duplicates, null]];
      for (const [name, finder] of keyFinders) finders.push(['duplicate-key', finder, name]);
      for (const [rule, finder, field] of finders) {
        for (const pair of await finder.finish()) {
          const at = unpack(pair.where);
          const other = unpack(pair.firstWhere);
          report(rule, { file: at.file, line: at.line, field, message: `same ${field ?? 'text'} as line ${other.line}${other.file === at.file ? '' : ` of ${other.file}`}`, other });
        }
      }
    },

    stats: () => stats.result(),

    evalResults(): EvalSetResult[] {
      return (evalIndex?.sets ?? []).map((s, i) => ({ ref: s.ref, sha256: s.sha256, rows: s.rows, contaminatedRows: contaminated[i] }));
    },
  };
}

export type RowAnalyzer = ReturnType<typeof createRowAnalyzer>;
