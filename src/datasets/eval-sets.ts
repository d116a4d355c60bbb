/**
 * Indexing eval sets for the contamination check: each eval file is read like a dataset of its
 * own format (its problems are not reported here: it has its own validations), and the words of
 * every row's non-system text go into the n-gram index.
 */
import type { FormatDefinition, ValidationSettings } from '../core/datasets.ts';
import { NgramIndex, type EvalIndex } from './checks/ngram-index.ts';
import { createWordBuffer, scanWords } from './checks/words.ts';
import type { FormatSpec, IssueSink } from './formats/format.ts';
import { resolveFormat } from './formats/registry.ts';
import { csvDelimiter, readRows } from './read/file-rows.ts';
import { listDataFiles } from './read/folder.ts';

export interface EvalSetInput {
  /** How reports name it: `name@version`, or a label. */
  readonly ref: string;
  /** A file or folder. */
  readonly path: string;
  readonly format: string | FormatSpec;
  /** Content hash, recorded in the report so that a job can match it to a registered version. */
  readonly sha256?: string | null;
}

const QUIET: IssueSink = { issue: () => {}, issueAt: () => {} };

export async function buildEvalIndex(sets: readonly EvalSetInput[], settings: ValidationSettings, userFormats?: readonly FormatDefinition[]): Promise<EvalIndex> {
  const index = new NgramIndex(settings.ngramWords);
  const words = createWordBuffer();
  const out: Array<{ ref: string; sha256: string | null; file: string; rows: number }> = [];
  for (const [setIndex, set] of sets.entries()) {
    const format = typeof set.format === 'string' ? resolveFormat(set.format, userFormats) : set.format;
    const { folder, files } = await listDataFiles(set.path);
    const before = index.rows;
    for (const file of files) {
      const checker = format.createChecker();
      await readRows(file.path, format.container(file.name.replace(/\.gz$/i, '')), 'all', settings, {
        row(value, line) {
          const content = checker.check(value, QUIET, line ?? 0);
          if (!content) return;
          words.length = 0;
          for (let p = 0; p < content.parts.length; p++) {
            if (content.parts[p].kind !== 'system') scanWords(content.parts[p].text, p, words);
          }
          index.addEvalRow(words, 0, words.length, setIndex, line ?? 0);
        },
        header(fields) {
          checker.header?.(fields, QUIET);
        },
        issue() {},
      }, csvDelimiter(file.name));
    }
    out.push({ ref: set.ref, sha256: set.sha256 ?? null, file: folder ? set.ref : set.path, rows: index.rows - before });
  }
  return { index, sets: out };
}
