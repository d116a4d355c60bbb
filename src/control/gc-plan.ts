/**
 * The retention plan of one job, gathered from the store: its live checkpoints with their
 * training metrics merged with their evaluations' (`SUITE/METRIC`, `SUITE/score`), the policy
 * it follows (its own, the global one, or the default), what protects which checkpoint
 * (protections.ts), and the pure decision (`core/retention.ts` `planRetention`).
 */
import type { KeptCheckpoint } from '../core/gc-report.ts';
import { effectivePolicy, planRetention, retainedMetrics, type PolicySource, type RetentionPolicy } from '../core/retention.ts';
import type { Checkpoint, Job } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import { fileMissing } from './gc-files.ts';
import { gatherProtections, type ProtectionSource } from './protections.ts';

export interface JobPlan {
  readonly job: Job;
  readonly policy: RetentionPolicy;
  readonly policySource: PolicySource;
  readonly kept: KeptCheckpoint[];
  /** What no rule keeps and nothing protects, oldest first. */
  readonly remove: ReadonlyArray<{ readonly checkpoint: Checkpoint; readonly reason: string }>;
}

export async function planJob(store: Store, job: Job, global: RetentionPolicy | null, sources: readonly ProtectionSource[]): Promise<JobPlan> {
  const live = await store.listLiveCheckpoints(job.id);
  const { policy, source } = effectivePolicy(job.spec, global);
  const protections = await gatherProtections(store, { job, live }, sources);
  const evaluated = policy.keepBest ? await store.listEvaluations({ jobId: job.id, state: 'done', limit: 1_000_000 }) : [];
  const retained = live.map((c) => ({ id: c.id, step: c.step, metrics: retainedMetrics(c.metrics, evaluated.filter((e) => e.checkpointId === c.id)) }));
  const plan = planRetention(retained, policy, protections);
  const byId = new Map(live.map((c) => [c.id, c]));
  const kept: KeptCheckpoint[] = plan.keep.map(({ id, reasons }) => keptEntry(byId.get(id)!, reasons, protections.has(id)));
  const remove: Array<{ checkpoint: Checkpoint; reason: string }> = [];
  for (const { id, reason } of [...plan.remove].reverse()) {
    const checkpoint = byId.get(id)!;
    // A file shared with a kept checkpoint (same path, another step) stays with it.
    const sharer = kept.find((k) => byId.get(k.checkpointId)!.path === checkpoint.path);
    if (sharer) kept.push(keptEntry(checkpoint, [`shares its file with checkpoint ${sharer.checkpointId}, which is kept`], sharer.protected));
    else remove.push({ checkpoint, reason });
  }
  kept.sort((a, b) => b.step - a.step || b.checkpointId - a.checkpointId);
  return { job, policy, policySource: source, kept, remove };
}

function keptEntry(c: Checkpoint, reasons: readonly string[], isProtected: boolean): KeptCheckpoint {
  return { checkpointId: c.id, step: c.step, bytes: c.bytes, reasons, protected: isProtected, fileMissing: fileMissing(c.path) };
}
