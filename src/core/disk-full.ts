/**
 * Recognizing a full disk in whatever failed: Node's `ENOSPC` (no space) and `EDQUOT` (quota),
 * SQLite's `SQLITE_FULL` (better-sqlite3 puts it in `code`), anywhere along the `cause` chain.
 * The server answers such a failure with 507 `disk_full` (server/errors.ts) instead of a bare
 * 500: the operator's fix is to free space, and the client's (the SDKs) is to keep the request
 * and send it again later. Pure.
 */

/** The codes that mean "no space left where the data directory lives". */
export const DISK_FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** The code of the first disk-full error along `error`'s cause chain, or null. */
export function diskFullCode(error: unknown): string | null {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && DISK_FULL_CODES.has(code)) return code;
  }
  return null;
}

/** What a client is told: what happened, that reads still work, what to do. */
export function diskFullMessage(code: string): string {
  return `the disk of the server's data directory is full (${code}): nothing was written; reads still work; free space there and send this again`;
}
