import { encodeChunk, decodeChunk } from '../src/core/metrics/chunk-codec.ts';
import { mergeSorted, toSortedColumns } from '../src/store/sqlite/points.ts';
const steps = Array.from({length:500},(_,i)=>i); const p = { steps, values: steps.map(Math.sin), times: steps.map(s=>1e12+s) };
const add = toSortedColumns('k', { steps: steps.map(s=>s+500), values: steps, times: steps.map(s=>1e12+s) });
let t = performance.now();
for (let i = 0; i < 5000; i++) { const e = encodeChunk(p); const d = decodeChunk(e.data); const m = mergeSorted(d, add); encodeChunk(m, 0, 1000); }
console.log('us per key-op', (performance.now()-t)/5000*1000);
