/**
 * The API keys a serving process accepts: the key file (`<data>/deploy/keys.json`, see
 * core/api-keys.ts), read at start and again whenever it changes (polled every
 * `pollMs`; the server rewrites it atomically, so a read never sees half a file). A file that
 * is missing means no key works; one that cannot be parsed keeps the keys read before it (and
 * says so in the log).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { decideApiKey, type KeyDecision, type KeysFile, parseKeysFile } from '../core/api-keys.ts';

export interface Keyring {
  /** Whether `authorization` may call the `/v1` routes of `target`. */
  decide(authorization: string | undefined): KeyDecision;
  /** How many keys are in force. */
  size(): number;
  close(): void;
}

export interface KeyringOptions {
  readonly path: string;
  /** The deploy target this process serves: a key made for another target is refused. */
  readonly target: string;
  readonly log: (line: string) => void;
  /** Default 250: a revoked key stops working within about that. */
  readonly pollMs?: number;
}

const sha256 = (secret: string) => createHash('sha256').update(secret).digest('hex');
const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function createKeyring(options: KeyringOptions): Keyring {
  let file: KeysFile = { version: 1, keys: [] };

  function read(): void {
    let text: string;
    try {
      text = readFileSync(options.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        options.log(`keys: cannot read ${options.path} (${(error as Error).message}); keeping the ${file.keys.length} keys read before`);
        return;
      }
      if (file.keys.length > 0 || !missingSaid) options.log(`keys: ${options.path} does not exist: no API key works (make one with \`trainyard key create NAME\`)`);
      missingSaid = true;
      file = { version: 1, keys: [] };
      return;
    }
    try {
      file = parseKeysFile(text);
      options.log(`keys: ${file.keys.length} API key${file.keys.length === 1 ? '' : 's'} in force (${options.path})`);
    } catch (error) {
      options.log(`keys: ${options.path} is not a key file: ${(error as Error).message}; keeping the ${file.keys.length} keys read before`);
    }
  }

  let missingSaid = false;
  read();
  const listener = () => read();
  watchFile(options.path, { interval: options.pollMs ?? 250, persistent: false }, listener);
  return {
    decide: (authorization) => decideApiKey(authorization, file, options.target, sha256, equal),
    size: () => file.keys.length,
    close: () => unwatchFile(options.path, listener),
  };
}
