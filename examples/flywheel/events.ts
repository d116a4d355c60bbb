/**
 * What the flywheel prints for each durable event as it happens: the loop's events
 * (evaluations, versions, alias moves, deployments: src/cli/loop-events.ts) and the flywheel's
 * own (a training job's life, a dropped file becoming a dataset version, a webhook firing, a
 * curriculum level change). Evaluation jobs and their runs are left out: `evaluation.done` says
 * what they found.
 */
import type { ApiDomainEvent } from '../../src/sdk/client.ts';
import { describeLoopEvent, type DescribeEvent } from '../../src/cli/loop-events.ts';

/** A describer for one printer (it remembers which jobs are evaluation jobs). */
export function createFlywheelDescriber(): DescribeEvent {
  const evaluationJobs = new Set<number>();
  return (event: ApiDomainEvent) => {
    const d = event.data as Record<string, any>;
    if (event.type === 'job.submitted' && (d.tags as string[] | undefined)?.includes('evaluation') && event.jobId !== null) {
      evaluationJobs.add(event.jobId);
    }
    if (event.jobId !== null && evaluationJobs.has(event.jobId) && event.type.startsWith('job.')) return null;
    return describeFlywheelEvent(event);
  };
}

export function describeFlywheelEvent(event: ApiDomainEvent): string | null {
  const d = event.data as Record<string, any>;
  switch (event.type) {
    case 'job.submitted':
      return `job ${event.jobId} (${d.name}) submitted${d.tags?.length ? ` [${d.tags.join(', ')}]` : ''}`;
    case 'job.state_changed':
      return ['succeeded', 'failed', 'stopped'].includes(d.to) ? `job ${event.jobId}: ${d.from} → ${d.to}${d.reason ? `: ${d.reason}` : ''}` : null;
    case 'dataset.version_added':
      return `dataset ${d.name}@${d.version} (${d.format}, sha256 ${String(d.sha256).slice(0, 12)}…) registered`;
    case 'automation.finished':
      return `rule ${d.rule} (${d.action}) on event ${d.eventId}: ${d.state}: ${d.detail}`;
    case 'curriculum.level_changed':
      return `curriculum ${d.curriculum}: ${d.direction} ${d.fromLevel} → ${d.toLevel}: ${d.reason}`;
    case 'curriculum.completed':
      return `curriculum ${d.curriculum}: completed at ${d.levelName}: ${d.reason}`;
    default:
      return describeLoopEvent(event);
  }
}
