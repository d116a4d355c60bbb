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
 * `name` if no file of a group is taken, else `stem-2.ext`, `stem-3.ext`, … The group is the
 * name plus `companions` suffixes (a failed file and its `.reason`), all of which must be free.
 */
export function freeName(name: string, isTaken: (name: string) => boolean, companions: readonly string[] = []): string {
  const [stem, extension] = splitName(name);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${stem}-${n}${extension}`;
    if (!isTaken(candidate) && companions.every((suffix) => !isTaken(candidate + suffix))) return candidate;
  }
}
