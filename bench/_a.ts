import { createBucketAccumulator, createBucketLayout } from '../src/core/metrics/buckets.ts';
const layout = createBucketLayout(123, 9999999, 1000);
const chunks = Array.from({ length: 1000 }, (_, c) => { const steps = new Float64Array(1000); const values = new Float64Array(1000); for (let i = 0; i < 1000; i++) { steps[i] = c * 10000 + i + 5000; values[i] = Math.sin(i); } return { steps, values }; });
for (let k = 0; k < 8; k++) { const t = performance.now(); const acc = createBucketAccumulator(layout); chunks.forEach((d, i) => acc.addPoints(d, i)); console.log('add', (performance.now() - t).toFixed(1)); }
