/**
 * The durable events of the loop after training (evaluations, versions, alias moves,
 * deployments), printed as they happen by polling the event log: what `demo --loop` and
 * examples/flywheel/run.ts show while they run.
 */
import type { ApiDomainEvent, Client } from '../sdk/client.ts';
import { sleep } from './watch.ts';

/** One line for an event, or null for events not worth a line. */
export type DescribeEvent = (event: ApiDomainEvent) => string | null;

export interface EventPrinter {
  /** Holds the lines back (while a progress bar draws). */
  hold(): void;
  /** Prints what was held back and prints as they come again. */
  release(): void;
  /** Reads the events of the last moment, prints them, and stops polling. */
  stop(): Promise<void>;
}

/** Prints the events after id `after` as `  · line`, polling every 250 ms. */
export function startEventPrinter(client: Client, say: (text: string) => void, after: number, describe: DescribeEvent = describeLoopEvent): EventPrinter {
  let cursor = after;
  let held = false;
  let stopped = false;
  const pending: string[] = [];
  const flush = () => {
    if (held) return;
    for (const line of pending.splice(0)) say(line);
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        const page = await client.listEvents({ after: cursor, limit: 200 });
        for (const event of page.events) {
          const line = describe(event);
          if (line) pending.push(`  · ${line}\n`);
        }
        cursor = page.lastEventId ?? cursor;
        flush();
      } catch {
        // The next poll tries again.
      }
      await sleep(250);
    }
  })();
  return {
    hold: () => void (held = true),
    release: () => {
      held = false;
      flush();
    },
    async stop() {
      await sleep(300);
      stopped = true;
      await loop;
      held = false;
      flush();
    },
  };
}

/** Evaluations, regression alarms, versions, alias moves and deployments. */
export function describeLoopEvent(event: ApiDomainEvent): string | null {
  const d = event.data as Record<string, any>;
  switch (event.type) {
    case 'evaluation.done':
      return `evaluation of job ${event.jobId} step ${d.step}: ${d.verdict}, score ${fmt(d.score)}${d.regressed ? ' · REGRESSION ALARM' : ''} (${d.summary})`;
    case 'evaluation.regression':
      return `regression alarm on job ${event.jobId} step ${d.step}: ${d.regressions.map((r: { detail: string }) => r.detail).join('; ')}`;
    case 'model.version_created':
      return `${d.model} version ${d.version} ← checkpoint ${d.checkpointId} (step ${d.step})`;
    case 'model.alias_moved':
      return `${d.model}@${d.alias}: ${d.from === null ? 'unset' : `v${d.from}`} → ${d.to === null ? 'unset' : `v${d.to}`} by ${d.by}${d.reason ? `: ${d.reason}` : ''}`;
    case 'deployment.requested':
      return `deployment ${d.deploymentId}: ${d.model} v${d.version} → ${d.target} requested (${d.cause ?? d.by})`;
    case 'deployment.progressed':
      return `deployment ${d.deploymentId}: ${d.step}`;
    case 'deployment.finished':
      return `deployment ${d.deploymentId}: ${d.state}${d.reason ? `: ${d.reason}` : ''}`;
    default:
      return null;
  }
}

/** The id of the newest event: a printer started after it shows only what happens from now on. */
export async function lastEventId(client: Client): Promise<number> {
  let after = 0;
  for (;;) {
    const page = await client.listEvents({ after, limit: 1_000 });
    if (page.events.length === 0) return after;
    after = page.lastEventId;
  }
}

/** A number with 4 significant digits, or "none". */
export function fmt(x: unknown): string {
  return typeof x === 'number' ? Number(x.toPrecision(4)).toString() : 'none';
}
