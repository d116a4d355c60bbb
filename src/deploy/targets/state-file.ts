/**
 * A target's own record in its folder (`<data>/deploy/<target>/<file>.json`): what it last made
 * serve, kept so that `current()` survives a server restart. Written whole through a temporary
 * file and a rename, so a crash leaves the old record or the new one, never half of one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StateFile<T> {
  read(): T | null;
  write(value: T): void;
}

export function createStateFile<T>(dir: string, name: string): StateFile<T> {
  const path = join(dir, name);
  return {
    read() {
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as T;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    write(value) {
      mkdirSync(dir, { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
      renameSync(temporary, path);
    },
  };
}
