/**
 * File names in the inbox: which ones it looks at, and a free name in a target folder. Pure.
 */

/** The folders a file is dropped into, highest priority first; each name is a priority class. */
export const PRIORITY_FOLDERS = ['high', 'normal', 'low'] as const;

/** The folders the inbox moves files into. */
export const STATE_FOLDERS = ['processing', 'done', 'failed'] as const;

/** Suffix of the file written beside a failed file. */
export const REASON_SUFFIX = '.reason';

/**
 * False for names a writer is still working on or that are hidden: dotfiles, `*.tmp`, `*.part`.
 * Writing to such a name and renaming it into place is the safe way to drop a file.
 */
export function isCandidateName(name: string): boolean {
  return !name.startsWith('.') && !/\.(tmp|part)$/i.test(name);
}

/** "data.jsonl.gz" → ["data", ".jsonl.gz"]; a leading dot is part of the stem. */
export function splitName(name: string): [stem: string, extension: string] {
  const dot = name.indexOf('.', 1);
  return dot === -1 ? [name, ''] : [name.slice(0, dot), name.slice(dot)];
}

/**
 * Longest name, in UTF-8 bytes, the inbox moves a file under: file systems allow 255, and the
 * `.NAME.reason.tmp` written beside a failed file, with a `-N` suffix, must fit too.
 */
export const MAX_MOVED_NAME_BYTES = 200;

/** Extensions longer than this are not kept when a name is shortened. */
const MAX_KEPT_EXTENSION_BYTES = 40;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * `name`, or when it is longer than MAX_MOVED_NAME_BYTES, its stem cut (at a character) and
 * marked `~`, with its extension kept: `very…long~.jsonl`. Room is left for a `-N` suffix.
 */
export function fittingName(name: string): string {
  if (bytes(name) <= MAX_MOVED_NAME_BYTES) return name;
  const [stem, rawExtension] = splitName(name);
  const extension = bytes(rawExtension) <= MAX_KEPT_EXTENSION_BYTES ? rawExtension : '';
  const room = MAX_MOVED_NAME_BYTES - 8 - bytes(`~${extension}`);
  let kept = '';
  for (const char of stem) {
    if (bytes(kept + char) > room) break;
    kept += char;
  }
  return `${kept}~${extension}`;
}

/**
 * `name` (made to fit, see `fittingName`) if no file of a group is taken, else `stem-2.ext`,
 * `stem-3.ext`, … The group is the name plus `companions` suffixes (a failed file and its
 * `.reason`), all of which must be free.
 */
export function freeName(dropped: string, isTaken: (name: string) => boolean, companions: readonly string[] = []): string {
  const name = fittingName(dropped);
  const [stem, extension] = splitName(name);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${stem}-${n}${extension}`;
    if (!isTaken(candidate) && companions.every((suffix) => !isTaken(candidate + suffix))) return candidate;
  }
}
