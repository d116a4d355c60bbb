/**
 * The files a serving process keeps in its directory (the builtin target's `<data>/deploy/<target>/`),
 * shared by the serving program and the target that supervises it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVING_FILES = { adminSecret: 'admin-secret', state: 'state.json', log: 'serve.log' } as const;

/** The admin secret of `dir`, made (0600) when absent; the serving process and its target read the same file. */
export function ensureAdminSecret(dir: string): string {
  const path = join(dir, SERVING_FILES.adminSecret);
  if (!existsSync(path)) {
    try {
      writeFileSync(path, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(path, 'utf8').trim();
}
