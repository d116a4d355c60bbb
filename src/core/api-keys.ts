/**
 * API keys: what a client of a serving endpoint (the `builtin` deploy target) presents as
 * `Authorization: Bearer tyk_<id>_<secret>`. The store keeps a key's id, name, target and the
 * sha256 (hex) of its secret; the secret is shown once, when the key is made.
 *
 * Terms:
 * - key file: `<data>/deploy/keys.json` (0600), the hashes of the keys in force, rewritten by the
 *   server whenever a key is made or revoked; every serving process reads it and re-reads it when
 *   it changes, so a revoked key stops working within a second or two.
 * - target: a key for one deploy target (`--target chat-prod`) works there only; a key without
 *   one works on every target.
 *
 * Pure: the format, the file's shape and the decision; hashing and files are the callers'.
 */
import { z } from 'zod';

/** A key as stored and listed: never its secret. */
export interface ApiKey {
  /** 16 hex digits. */
  readonly id: string;
  readonly name: string;
  /** The deploy target it works on; null: every target. */
  readonly target: string | null;
  readonly createdAt: number;
  /** null while it is in force. */
  readonly revokedAt: number | null;
  /** Who made it: a token's name, or its role and id. */
  readonly createdBy: string;
}

/** The key file's path under the data directory. */
export const API_KEYS_FILE = ['deploy', 'keys.json'] as const;

export const API_KEY_PREFIX = 'tyk_';
const KEY_PATTERN = /^tyk_([0-9a-f]{16})_([A-Za-z0-9_-]{20,})$/;

/** The id and secret of a presented key, or null when it is not one (`tyk_<16 hex>_<secret>`). */
export function parseApiKey(presented: string): { readonly id: string; readonly secret: string } | null {
  const match = KEY_PATTERN.exec(presented);
  return match ? { id: match[1], secret: match[2] } : null;
}

export const keysFileSchema = z.object({
  version: z.literal(1),
  keys: z.array(z.object({
    id: z.string(),
    /** sha256 of the secret, hex. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    target: z.string().nullable(),
  })),
});

/** `<data>/deploy/keys.json`: the keys in force (revoked ones are left out). */
export type KeysFile = z.output<typeof keysFileSchema>;

/** The key file for these keys: those not revoked, by id. */
export function keysFileOf(keys: ReadonlyArray<ApiKey & { readonly hash: string }>): KeysFile {
  return {
    version: 1,
    keys: keys
      .filter((k) => k.revokedAt === null)
      .map((k) => ({ id: k.id, hash: k.hash, target: k.target }))
      .sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/** Parses a key file's text; throws an Error naming what is wrong. */
export function parseKeysFile(text: string): KeysFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message})`);
  }
  const parsed = keysFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export type KeyDecision = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly reason: string };

/**
 * Whether a request's `Authorization` header lets it use `target`. `hashSecret` is sha256 hex;
 * `equal` compares two hashes in constant time (both are the caller's: this file does no I/O).
 */
export function decideApiKey(
  authorization: string | undefined,
  file: KeysFile,
  target: string,
  hashSecret: (secret: string) => string,
  equal: (a: string, b: string) => boolean,
): KeyDecision {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (bearer === undefined) return { ok: false, reason: 'an API key is required: send Authorization: Bearer tyk_… (make one with `trainyard key create NAME`)' };
  const key = parseApiKey(bearer);
  if (key === null) return { ok: false, reason: 'the bearer token is not an API key (expected tyk_<16 hex digits>_<secret>)' };
  const entry = file.keys.find((k) => k.id === key.id);
  if (entry === undefined || !equal(entry.hash, hashSecret(key.secret))) {
    return { ok: false, reason: `API key ${key.id} is unknown or revoked` };
  }
  if (entry.target !== null && entry.target !== target) {
    return { ok: false, reason: `API key ${key.id} is for target ${JSON.stringify(entry.target)}, not ${JSON.stringify(target)}` };
  }
  return { ok: true, id: key.id };
}
