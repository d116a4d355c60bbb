// A deliberately broken model, for `npm run demo -- --loop`: copies the checkpoint it starts from
// (TRAINYARD_INIT_FROM, or a path argument) with its output layer rigged so that the model only
// ever writes one character — a bad merge or a corrupted export that still loads. It registers
// the copy as its checkpoint; deployed, it fails the smoke check (its answer has no two words)
// and the deployment rolls back.
//
//   node --import tsx examples/char-lm/break.ts [from.bin]
import { readFile, writeFile } from 'node:fs/promises';
import { init } from '../../src/sdk/index.ts';
import { decodeCheckpoint } from './checkpoint.ts';

const from = process.argv[2] ?? process.env.TRAINYARD_INIT_FROM;
if (!from) {
  console.error('char-lm break: nothing to start from (TRAINYARD_INIT_FROM, or a path argument)');
  process.exit(78);
}
const run = init({ offline: 'lines' });
const bytes = await readFile(from);
const { header } = decodeCheckpoint(bytes); // checks that it is a whole checkpoint
const only = Math.max(0, ...['z', 'q', 'x'].map((c) => header.vocab.indexOf(c)));
// The tensors follow the JSON header, 4-byte aligned, in the header's order (checkpoint.ts).
let offset = (12 + bytes.readUInt32LE(8) + 3) & ~3;
for (const t of header.tensors) {
  const data = new Float32Array(t.length);
  if (t.name === 'w2') data.fill(0);
  if (t.name === 'b2') {
    data.fill(-30);
    data[only] = 30;
  }
  if (t.name === 'w2' || t.name === 'b2') Buffer.from(data.buffer).copy(bytes, offset);
  offset += t.length * 4;
}
console.log(`char-lm break: a copy of ${from} whose output layer only ever writes ${JSON.stringify(header.vocab[only])}`);
await run.atomicPath('broken.bin', (tmp) => writeFile(tmp, bytes));
await run.checkpoint('broken.bin', header.step).registered;
await run.close();
