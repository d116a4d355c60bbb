/**
 * Format lookup, deny by default: a name is one of the built-in formats or a registered user
 * format, or it is refused. Nothing is guessed from a file's content.
 */
import type { FormatDefinition } from '../../core/datasets.ts';
import { ValidationError } from '../../core/errors.ts';
import { alpacaFormat } from './alpaca.ts';
import { chatFormat } from './chat.ts';
import { csvFormat } from './csv.ts';
import type { FormatSpec } from './format.ts';
import { promptCompletionFormat } from './prompt-completion.ts';
import { sharegptFormat } from './sharegpt.ts';
import { textFormat } from './text.ts';
import { createUserFormat } from './user-format.ts';

export const BUILTIN_FORMATS: ReadonlyMap<string, FormatSpec> = new Map(
  [chatFormat, promptCompletionFormat, sharegptFormat, alpacaFormat, textFormat, csvFormat].map((f) => [f.name, f]),
);

/** A format name nobody registered. */
export class UnknownFormatError extends ValidationError {
  constructor(readonly format: string, known: readonly string[]) {
    super(`unknown format ${JSON.stringify(format)}; known: ${known.join(', ')}`, 'format', { code: 'unknown_format' });
  }
}

/**
 * The format called `name`: built-in first (user formats cannot shadow them), else one of
 * `userFormats`. Throws `UnknownFormatError`.
 */
export function resolveFormat(name: string, userFormats: readonly FormatDefinition[] = []): FormatSpec {
  const builtin = BUILTIN_FORMATS.get(name);
  if (builtin) return builtin;
  const user = userFormats.find((f) => f.name === name);
  if (user) return createUserFormat(user);
  throw new UnknownFormatError(name, [...BUILTIN_FORMATS.keys(), ...userFormats.map((f) => f.name)]);
}
