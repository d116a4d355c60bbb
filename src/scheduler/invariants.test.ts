/**
 * Properties every plan must have, over many random snapshots: placements fit the inventory and
 * never collide, only ready jobs start, victims are fair game, and the plan does not depend on
 * the order the queue is listed in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderJobs, outranks } from './ordering.ts';
import { resolvePolicy } from './policies.ts';
import { schedule, type PriorityClass, type QueuedJob, type RunningAllocation, type Snapshot } from './scheduler.ts';
import { createRng, type Rng } from './synthetic-trace.ts';
import { NOW } from './test-fixtures.ts';

const CLASSES: readonly PriorityClass[] = ['high', 'normal', 'low'];
const ROUNDS = 400;

describe('plan invariants over random snapshots', () => {
  it(`hold for ${ROUNDS} snapshots`, () => {
    const rng = createRng(2024);
    for (let round = 0; round < ROUNDS; round++) {
      const snapshot = randomSnapshot(rng);
      const context = `round ${round}: ${JSON.stringify(snapshot)}`;
      const plan = schedule(snapshot);
      checkPlan(snapshot, plan, context);
      const shuffled = { ...snapshot, queue: shuffle(rng, [...snapshot.queue]) };
      assert.deepEqual(schedule(shuffled), plan, `plan depends on queue listing order, ${context}`);
    }
  });
});

function checkPlan(snapshot: Snapshot, plan: ReturnType<typeof schedule>, context: string): void {
  const { slots, now } = snapshot;
  const inventory = new Set(slots.gpus);
  const perGpu = slots.jobsPerGpu ?? 1;
  const queued = new Map(snapshot.queue.map((j) => [j.jobId, j]));
  const seats = new Map<number, number>();
  let cpus = 0;
  for (const r of snapshot.running) {
    for (const g of r.gpus) if (inventory.has(g)) seats.set(g, (seats.get(g) ?? 0) + 1);
    cpus += r.cpus;
  }
  const tooBig = new Set(snapshot.queue.filter((j) => j.gpus > inventory.size || j.cpus > slots.cpuSlots).map((j) => j.jobId));
  assert.deepEqual(new Set(plan.unschedulable.map((u) => u.jobId)), tooBig, context);
  const started = new Set<number>();
  for (const p of plan.start) {
    const job = queued.get(p.jobId);
    assert.ok(job && !started.has(p.jobId) && !tooBig.has(p.jobId), `bad start ${p.jobId}, ${context}`);
    assert.ok(job.notBefore === null || job.notBefore <= now, `started in backoff, ${context}`);
    assert.equal(p.gpus.length, job.gpus, context);
    assert.equal(new Set(p.gpus).size, p.gpus.length, context);
    assert.equal(p.cpus, job.cpus, context);
    for (const g of p.gpus) {
      assert.ok(inventory.has(g), context);
      seats.set(g, (seats.get(g) ?? 0) + 1);
    }
    cpus += p.cpus;
    started.add(p.jobId);
  }
  for (const [g, n] of seats) assert.ok(n <= perGpu || n === countRunningOn(snapshot, g), `GPU ${g} over-shared, ${context}`);
  const newCpus = plan.start.reduce((n, p) => n + p.cpus, 0);
  assert.ok(newCpus === 0 || cpus <= slots.cpuSlots, `CPU slots over-used, ${context}`);
  const running = new Map(snapshot.running.map((r) => [r.jobId, r]));
  const heads = new Set(plan.preempt.map((p) => p.forJobId));
  assert.ok(heads.size <= 1, `more than one head preempts, ${context}`);
  for (const p of plan.preempt) {
    const victim = running.get(p.jobId);
    const head = queued.get(p.forJobId);
    assert.ok(victim && head && !started.has(head.jobId), context);
    assert.ok(victim.preemptible && !victim.stopping && outranks(head, victim), `unfair victim ${p.jobId}, ${context}`);
  }
  const settings = resolvePolicy(snapshot.policy);
  if (settings.reservations && !settings.backfill) {
    const ready = snapshot.queue.filter((j) => !tooBig.has(j.jobId) && (j.notBefore === null || j.notBefore <= now) && (j.gpus > 0 || j.cpus > 0));
    const ordered = orderJobs(ready, settings, snapshot.running).map((j) => j.jobId);
    const firstWaiting = ordered.findIndex((id) => !started.has(id));
    if (firstWaiting >= 0) assert.ok(ordered.slice(firstWaiting).every((id) => !started.has(id)), `passed a waiting job, ${context}`);
  }
}

function countRunningOn(snapshot: Snapshot, gpu: number): number {
  return snapshot.running.filter((r) => r.gpus.includes(gpu)).length;
}

function randomSnapshot(rng: Rng): Snapshot {
  const int = (lo: number, hi: number): number => lo + Math.floor(rng.next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];
  const gpus: number[] = [];
  const gpuCount = int(1, 12);
  for (let id = 0; gpus.length < gpuCount; id += rng.next() < 0.2 ? 2 : 1) gpus.push(id);
  const jobsPerGpu = rng.next() < 0.25 ? 2 : 1;
  const cpuSlots = int(0, 6);
  const running: RunningAllocation[] = [];
  const load = new Map<number, number>();
  let cpusUsed = 0;
  for (let id = 1000; id < 1000 + int(0, 10); id++) {
    const want = int(0, 3);
    const free = gpus.filter((g) => (load.get(g) ?? 0) < jobsPerGpu);
    if (free.length < want) continue;
    const held = shuffle(rng, free).slice(0, want);
    for (const g of held) load.set(g, (load.get(g) ?? 0) + 1);
    const cpus = cpusUsed < cpuSlots ? int(0, 1) : 0;
    cpusUsed += cpus;
    const startedAt = NOW - int(1, 600) * 60_000;
    running.push({
      jobId: id, gpus: held, cpus, priorityClass: pick(CLASSES), priority: int(-1, 1), preemptible: rng.next() < 0.5,
      startedAt, lastCheckpointAt: rng.next() < 0.5 ? startedAt + 60_000 : null,
      expectedSeconds: rng.next() < 0.2 ? null : int(60, 1200) * 60, owner: pick(['a', 'b', null]), stopping: rng.next() < 0.15,
    });
  }
  const queue: QueuedJob[] = [...Array(int(0, 25)).keys()].map((i) => ({
    jobId: i + 1, priorityClass: pick(CLASSES), priority: int(-1, 1), queuedAt: int(0, 50), gpus: int(0, 5), cpus: int(0, 2),
    notBefore: rng.next() < 0.1 ? NOW + 1000 : null, expectedSeconds: rng.next() < 0.2 ? null : int(1, 600) * 60,
    owner: pick(['a', 'b', 'c', null]), preemptible: rng.next() < 0.5,
  }));
  const policy = { name: pick(['fifo', 'priority-backfill'] as const), backfill: rng.next() < 0.8, preemption: rng.next() < 0.8, fairShare: rng.next() < 0.3 };
  return { now: NOW, slots: { gpus, cpuSlots, jobsPerGpu }, running, queue, policy };
}

function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
