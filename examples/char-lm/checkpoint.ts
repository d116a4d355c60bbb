// Checkpoint file format (one binary file, little-endian):
//
//   8 bytes   magic "TYCHARLM"
//   4 bytes   uint32 length L of the JSON header
//   L bytes   JSON header: format version, step, model config, vocabulary, RNG state, Adam step
//             count and options, free-form metadata, and the list of tensors (name, length)
//   padding   zero bytes up to a multiple of 4
//   …         the tensors' float32 values, back to back in the header's order: every parameter,
//             then Adam's first moments ("adam.m.<name>"), then second moments ("adam.v.<name>")
//
// Everything a run needs to continue exactly where it stopped: a resumed run draws the same
// batches and computes the same losses as an uninterrupted one.
import { readFile, writeFile } from 'node:fs/promises';
import type { Adam, AdamOptions } from './optim.ts';
import type { CharMLP, ModelConfig } from './model.ts';
import type { Rng } from './rng.ts';

const MAGIC = 'TYCHARLM';
const VERSION = 1;

export interface CheckpointHeader {
  version: number;
  step: number;
  config: ModelConfig;
  vocab: string[];
  rng: number[];
  adam: { t: number; options: AdamOptions };
  meta: Record<string, unknown>;
  tensors: { name: string; length: number }[];
}

export interface TrainState {
  step: number;
  model: CharMLP;
  optimizer: Adam;
  rng: Rng;
  vocab: string[];
  meta?: Record<string, unknown>;
}

export interface Checkpoint {
  header: CheckpointHeader;
  tensors: Map<string, Float32Array>;
}

function tensorsOf(state: TrainState): { name: string; data: ArrayLike<number> }[] {
  const { model, optimizer } = state;
  return [
    ...model.params.map((p) => ({ name: p.name, data: p.data })),
    ...model.params.map((p, i) => ({ name: `adam.m.${p.name}`, data: optimizer.m[i] })),
    ...model.params.map((p, i) => ({ name: `adam.v.${p.name}`, data: optimizer.v[i] })),
  ];
}

export function encodeCheckpoint(state: TrainState): Buffer {
  if (!isLittleEndian()) throw new Error('checkpoints are written on little-endian machines only');
  const tensors = tensorsOf(state);
  const header: CheckpointHeader = {
    version: VERSION,
    step: state.step,
    config: state.model.config,
    vocab: state.vocab,
    rng: state.rng.getState(),
    adam: { t: state.optimizer.t, options: state.optimizer.options },
    meta: state.meta ?? {},
    tensors: tensors.map((t) => ({ name: t.name, length: t.data.length })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const dataStart = align4(12 + json.length);
  const floats = tensors.reduce((n, t) => n + t.data.length, 0);
  const buf = Buffer.alloc(dataStart + floats * 4);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(json.length, 8);
  json.copy(buf, 12);
  const out = new Float32Array(buf.buffer, buf.byteOffset + dataStart, floats);
  let offset = 0;
  for (const t of tensors) {
    out.set(t.data, offset);
    offset += t.data.length;
  }
  return buf;
}

export function decodeCheckpoint(buf: Buffer): Checkpoint {
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error('not a char-lm checkpoint');
  const jsonLength = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + jsonLength)) as CheckpointHeader;
  if (header.version !== VERSION) throw new Error(`unsupported checkpoint version ${header.version}`);
  const dataStart = align4(12 + jsonLength);
  const floats = header.tensors.reduce((n, t) => n + t.length, 0);
  if (buf.length !== dataStart + floats * 4) {
    throw new Error(`truncated checkpoint: ${buf.length} bytes, expected ${dataStart + floats * 4}`);
  }
  // Copy out of the (possibly unaligned, pooled) buffer into fresh arrays.
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset + dataStart, buf.byteOffset + buf.length));
  const tensors = new Map<string, Float32Array>();
  let offset = 0;
  for (const t of header.tensors) {
    tensors.set(t.name, all.subarray(offset, offset + t.length));
    offset += t.length;
  }
  return { header, tensors };
}

/** Writes the checkpoint to `path` (the temporary path the SDK's atomicPath hands out). */
export async function saveCheckpoint(path: string, state: TrainState): Promise<void> {
  await writeFile(path, encodeCheckpoint(state));
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  return decodeCheckpoint(await readFile(path));
}

/** Copies weights, Adam state and RNG state into freshly built objects of the same shapes. */
export function restore(ckpt: Checkpoint, model: CharMLP, optimizer: Adam, rng: Rng): void {
  const { header, tensors } = ckpt;
  const take = (name: string, into: { length: number; set(a: ArrayLike<number>): void }): void => {
    const t = tensors.get(name);
    if (!t || t.length !== into.length) throw new Error(`checkpoint tensor ${name} is missing or has the wrong size`);
    into.set(t);
  };
  model.params.forEach((p, i) => {
    take(p.name, p.data);
    take(`adam.m.${p.name}`, optimizer.m[i]);
    take(`adam.v.${p.name}`, optimizer.v[i]);
  });
  optimizer.t = header.adam.t;
  rng.setState(header.rng);
}

/**
 * Copies only the weights into a freshly built model of the same shape: a run that starts from
 * another run's checkpoint (TRAINYARD_INIT_FROM) keeps its own optimizer, RNG and step count.
 */
export function restoreWeights(ckpt: Checkpoint, model: CharMLP): void {
  for (const p of model.params) {
    const t = ckpt.tensors.get(p.name);
    if (!t || t.length !== p.data.length) throw new Error(`checkpoint tensor ${p.name} is missing or has the wrong size`);
    p.data.set(t);
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
