/**
 * The fuzz loop: `cases` cases drawn from `seed`, `concurrency` in flight, each judged
 * (checks.ts); the server's health checked along the way. Returns what it saw, failures first.
 */
import { buildCase, type FuzzRequest, type Known } from './cases.ts';
import { judge } from './checks.ts';
import type { ApiDocument } from './operations.ts';
import { caseRandom } from './random.ts';
import { createSender, type FuzzResponse } from './send.ts';

export interface FuzzFailure {
  readonly index: number;
  readonly operation: string;
  readonly token: string;
  readonly request: string;
  readonly problem: string;
}

export interface FuzzReport {
  readonly cases: number;
  readonly ms: number;
  readonly statuses: Record<string, number>;
  readonly failures: FuzzFailure[];
  /** The slowest answer, ms. */
  readonly slowest: number;
  /** Time spent waiting for answers, ms, per operation (`POST /api/v1/jobs`). */
  readonly msByOperation: Record<string, number>;
}

export interface FuzzOptions {
  readonly api: ApiDocument;
  readonly known: Known;
  readonly port: number;
  readonly seed: number;
  readonly cases: number;
  /** Only this case (replay). */
  readonly only?: number;
  /** Default 4. */
  readonly concurrency?: number;
  /** Per request. Default 15 s. */
  readonly timeoutMs?: number;
}

/** Case `index` of `seed`: the same request every time. */
export function caseAt(options: Pick<FuzzOptions, 'api' | 'known' | 'seed'>, index: number): FuzzRequest {
  const random = caseRandom(options.seed, index);
  const operation = random.pick(options.api.operations);
  return buildCase(index, options.api, operation, options.known, random);
}

export function describeRequest(c: FuzzRequest): string {
  const body = c.raw ?? c.body?.toString('utf8') ?? '';
  return `${c.method} ${c.url.slice(0, 300)} [${c.token}] ${JSON.stringify(c.headers['content-type'] ?? null)} ${body.length > 400 ? `${body.slice(0, 400)}… (${body.length} chars)` : body}`;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const sender = createSender(options.port, options.timeoutMs ?? 15_000);
  const indices = options.only !== undefined ? [options.only] : Array.from({ length: options.cases }, (_, i) => i);
  const statuses: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  const msByOperation: Record<string, number> = {};
  let slowest = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < indices.length) {
      const index = indices[next++];
      const c = caseAt(options, index);
      const r: FuzzResponse = await sender.send(c);
      slowest = Math.max(slowest, r.ms);
      const name = `${c.operation.method} ${c.operation.path}`;
      msByOperation[name] = (msByOperation[name] ?? 0) + r.ms;
      statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
      const problem = judge(c, r);
      if (problem) failures.push({ index, operation: `${c.operation.method} ${c.operation.path}`, token: c.token, request: describeRequest(c), problem });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  sender.close();
  failures.sort((a, b) => a.index - b.index);
  return { cases: indices.length, ms: performance.now() - started, statuses, failures, slowest, msByOperation };
}
