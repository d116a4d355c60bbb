// A training script for the server-kill fault suite: reports over HTTP with its run token (as the
// SDKs do, one batchId per batch, resent unchanged until acknowledged) and keeps a client-side
// ledger of what the server acknowledged, so the suite can check that no acknowledged point or
// checkpoint is lost or duplicated across kill -9 of the server.
//
// Usage: node fault-trainer.mjs LEDGER_DIR STEPS INTERVAL_MS CKPT_EVERY
// Ledger: LEDGER_DIR/acks.jsonl, one JSON line per acknowledgement:
//   {"kind":"metrics","jobId","runId","batchId","steps":[…],"values":[…]}
//   {"kind":"checkpoint","jobId","runId","id","step","path"}
// and LEDGER_DIR/pid-<runId> holding this process's pid (which runs are alive).
// Metric `x` at step s of run r has the value r * 1e6 + s: every point is told apart.
// SIGTERM: finishes the batch in flight, registers a checkpoint at the last step, exits 0.
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [ledgerDir, stepsArg, intervalArg, everyArg] = process.argv.slice(2);
const steps = Number(stepsArg);
const intervalMs = Number(intervalArg);
const every = Number(everyArg);
const url = process.env.TRAINYARD_URL;
const token = process.env.TRAINYARD_TOKEN;
const jobId = Number(process.env.TRAINYARD_JOB_ID);
const runId = Number(process.env.TRAINYARD_RUN_ID);
const dir = process.env.TRAINYARD_CHECKPOINT_DIR;
writeFileSync(join(ledgerDir, `pid-${runId}`), String(process.pid));

let stopping = false;
process.on('SIGTERM', () => (stopping = true));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** POSTs until the server answers 2xx (returns the body) or refuses for good (exits). */
async function post(path, body) {
  for (let tries = 0; ; tries++) {
    try {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      if (response.ok) return response.json();
      const text = await response.text();
      // 401/403/409: the run was ended (its token revoked); nothing more will be acknowledged.
      if (response.status < 500 && response.status !== 429) {
        console.error(`fault-trainer: ${path}: ${response.status} ${text}`);
        process.exit(3);
      }
    } catch {
      // the server is down (killed on purpose) or restarting: the same request again
    }
    await sleep(Math.min(50 * (tries + 1), 300));
  }
}

function ack(entry) {
  appendFileSync(join(ledgerDir, 'acks.jsonl'), `${JSON.stringify({ jobId, runId, ...entry })}\n`);
}

async function checkpoint(at) {
  const name = `step-${at}.json`;
  writeFileSync(join(dir, `${name}.tmp`), JSON.stringify({ step: at, runId }));
  renameSync(join(dir, `${name}.tmp`), join(dir, name));
  const record = await post(`/api/v1/runs/${runId}/checkpoints`, { path: name, step: at, metrics: { loss: 1 / (at + 1) } });
  ack({ kind: 'checkpoint', id: record.id, step: at, path: record.path });
}

let step = Number(process.env.TRAINYARD_RESUME_STEP || 0);
let batch = 0;
let saved = -1;
while (step < steps && !stopping) {
  const rows = [];
  const size = 1 + (step % 3);
  for (let i = 0; i < size && step < steps; i++) {
    step += 1;
    rows.push({ step, time: Date.now(), metrics: { x: runId * 1e6 + step } });
  }
  batch += 1;
  const batchId = `r${runId}-b${batch}`;
  await post(`/api/v1/runs/${runId}/metrics`, { batchId, rows });
  ack({ kind: 'metrics', batchId, steps: rows.map((r) => r.step), values: rows.map((r) => r.metrics.x) });
  if (rows.some((r) => r.step % every === 0)) await checkpoint((saved = step));
  await sleep(intervalMs);
}
if (stopping && saved !== step) await checkpoint(step);
if (stopping) console.log(`stopped at step ${step}`);
