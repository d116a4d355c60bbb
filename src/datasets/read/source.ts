/**
 * Opening a file for reading: its identity (size, mtime, inode) to notice a change while it is
 * read, gzip detected by its magic bytes (`.jsonl.gz` and a gzip without the suffix alike), and
 * the decompressed bytes as chunks. Reading awaits between chunks, so a long validation never
 * holds the event loop for more than one chunk's work.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

/** 1 MiB chunks: few enough awaits to be fast, short enough to keep the event loop responsive. */
export const CHUNK_BYTES = 1 << 20;

export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

export async function identify(path: string): Promise<FileIdentity> {
  const s = await stat(path);
  return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
}

/** How it changed, or null when size, mtime and inode are all the same. */
export function describeChange(before: FileIdentity, after: FileIdentity | null): string | null {
  if (after === null) return 'the file was removed while it was read';
  if (after.ino !== before.ino) return 'the file was replaced while it was read';
  if (after.size !== before.size) return `the file changed size while it was read (${before.size} → ${after.size} bytes)`;
  if (after.mtimeMs !== before.mtimeMs) return 'the file was modified while it was read (mtime changed)';
  return null;
}

export async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** A gzip stream that ended early or holds garbage; `offset` is in decompressed bytes. */
export class GzipError extends Error {
  constructor(readonly offset: number, options: { cause: unknown }) {
    super(`gzip stream corrupt or truncated after ${offset} decompressed bytes: ${(options.cause as Error)?.message ?? options.cause}`, options);
    this.name = 'GzipError';
  }
}

export interface ChunkSource {
  readonly chunks: AsyncIterable<Buffer>;
  /** Compressed bytes consumed so far (the file's bytes for a plain file). */
  compressedRead(): number;
}

/**
 * The file's (decompressed) bytes from `start`, as chunks. A gzip error surfaces as `GzipError`
 * from the iteration; plain files ignore nothing. `start` applies to plain files only.
 */
export function readChunks(path: string, gzip: boolean, options: { start?: number; end?: number } = {}): ChunkSource {
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES, start: gzip ? 0 : options.start, end: gzip ? undefined : options.end });
  if (!gzip) {
    let read = 0;
    return {
      chunks: (async function* () {
        for await (const chunk of file) {
          read += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      })(),
      compressedRead: () => read,
    };
  }
  const gunzip = createGunzip({ chunkSize: 256 << 10 });
  let decompressed = 0;
  file.on('error', (error) => gunzip.destroy(error));
  file.pipe(gunzip);
  return {
    chunks: (async function* () {
      try {
        for await (const chunk of gunzip) {
          decompressed += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code?.startsWith('Z_') || /unexpected end|incorrect header|invalid/i.test(String((error as Error).message))) {
          throw new GzipError(decompressed, { cause: error });
        }
        throw error;
      } finally {
        file.destroy();
        gunzip.destroy();
      }
    })(),
    compressedRead: () => file.bytesRead,
  };
}
