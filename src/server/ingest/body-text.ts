/**
 * A request body's bytes as text for `JSON.parse`. Metric batches are ASCII almost always
 * (numbers, and keys limited to ASCII); for those, a Latin-1 read gives the same string and
 * V8 keeps it one byte a character, which `JSON.parse` reads about twice as fast as the string
 * a UTF-8 decoder returns (measured on 5 MB batches: 15-21 ms against 32-34 ms, decode and
 * parse). Anything else is decoded as UTF-8.
 */
import { isAscii } from 'node:buffer';

const utf8 = new TextDecoder();

export function bodyText(bytes: Uint8Array): string {
  if (isAscii(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return utf8.decode(bytes);
}
