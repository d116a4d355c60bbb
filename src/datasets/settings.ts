/** Validation settings: every default with its reason. */
import type { ValidationSettings } from '../core/datasets.ts';

export const DEFAULT_SETTINGS: ValidationSettings = Object.freeze({
  /** About 4 characters a token for English with BPE tokenizers; lower it for code or CJK text. */
  charsPerToken: 4,
  /** Rows past 8,192 estimated tokens are cut by most fine-tuning context windows. */
  maxTokens: 8192,
  /** 8 MiB: no training row is that long; a longer line is skipped unread, so memory stays flat. */
  maxLineBytes: 8 << 20,
  /** 0.8 Jaccard similarity of word shingles: rephrasings of one row, not merely similar topics. */
  nearDuplicateThreshold: 0.8,
  /** 3-word shingles suit instruction data (short rows); use 5 for long documents. */
  shingleWords: 3,
  /** 13-word n-grams, as GPT-3 and most decontamination studies use. */
  ngramWords: 13,
  /** Answers shorter than 4 words ("yes", "B") are in most prompts by chance: not checked for leakage. */
  leakageMinWords: 4,
  /** 1 MiB read at depth quick, spread over the file: enough rows to judge, well under a second. */
  sampleBytes: 1 << 20,
});

/** Examples kept per rule in a report. */
export const MAX_EXAMPLES = 5;

/**
 * An eval n-gram found in more than this many eval rows is template text (an instruction every
 * row repeats), not evidence of contamination, and is ignored.
 */
export const TEMPLATE_NGRAM_ROWS = 10;

/**
 * Exact-duplicate keys kept in memory (a 2^21-slot table, ~46 MB) before they are spilled to a
 * sorted run on disk: with Node's own ~100-150 MB, standard validation stays under 300 MB.
 */
export const DEDUPE_MEMORY_ROWS = 1_000_000;

export function resolveSettings(overrides: Partial<ValidationSettings> = {}): ValidationSettings {
  const s = { ...DEFAULT_SETTINGS, ...overrides };
  for (const [key, value] of Object.entries(s)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`setting ${key} must be a positive number`);
  }
  if (s.nearDuplicateThreshold > 1) throw new RangeError('setting nearDuplicateThreshold must be at most 1');
  return Object.freeze(s);
}
