/**
 * The key file, `<data>/deploy/keys.json` (0600): the hashes of the API keys in force, which
 * every serving process reads and re-reads when it changes (core/api-keys.ts). Written whole
 * from the store, atomically (a temporary file renamed over it), at server start and by the
 * durable subscriber `api-keys-file` on each `api_key.*` event; writing it again is harmless,
 * so the subscriber is idempotent as at-least-once delivery needs.
 */
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { API_KEYS_FILE, keysFileOf } from '../core/api-keys.ts';
import type { ApiKeyStore } from '../store/store.ts';
import type { EventLog } from './event-log.ts';

/** The key file of a data directory. */
export function keysFilePath(dataDir: string): string {
  return join(dataDir, ...API_KEYS_FILE);
}

/** Rewrites the key file from the store; returns how many keys are in force. */
export async function writeKeysFile(store: Pick<ApiKeyStore, 'activeApiKeyHashes'>, path: string): Promise<number> {
  const file = keysFileOf(await store.activeApiKeyHashes());
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return file.keys.length;
}

/**
 * Keeps the key file in step with the keys: subscribe before `control.start()`. A new cursor
 * starts at the beginning of the log, not at "now": a key made between the write at start and
 * the subscriber's first read would otherwise be missed until the next change.
 */
export function subscribeKeysFile(deps: { readonly store: Pick<ApiKeyStore, 'activeApiKeyHashes'>; readonly events: Pick<EventLog, 'subscribe'>; readonly path: string }): void {
  deps.events.subscribe('api-keys-file', async () => {
    await writeKeysFile(deps.store, deps.path);
  }, { types: ['api_key.created', 'api_key.revoked'], startAt: 'beginning' });
}
