/**
 * How deployments read: the steps a deployment went through with their times (in milliseconds
 * under a second: most steps of a healthy deployment take less), and the version a rollback of a
 * target would go back to. Pure.
 */
import { DEPLOYMENT_STATES, DEPLOYMENT_STEPS } from '../../../src/core/deployment.ts';
import { formatDuration } from './format.ts';

type State = (typeof DEPLOYMENT_STATES)[number];

/** What these functions read of a deployment (the API's Deployment has it). */
export interface DeploymentLike {
  readonly id: number;
  readonly version: number;
  readonly previousVersion: number | null;
  readonly state: State;
  readonly steps: Readonly<Partial<Record<State, number>>>;
  readonly failedStep: string | null;
  readonly createdAt: number;
}

export interface StepView {
  readonly state: State;
  /** "stage", "check", "switch", "watch"; the state itself for the others. */
  readonly label: string;
  readonly at: number;
  /** Milliseconds after the deployment was requested. */
  readonly offsetMs: number;
  /** This is the step that failed. */
  readonly failed: boolean;
}

/** The states it entered, in the order a deployment passes them. */
export function stepsOf(d: DeploymentLike): StepView[] {
  const labels: Readonly<Record<string, string>> = DEPLOYMENT_STEPS;
  return DEPLOYMENT_STATES.flatMap((state) => {
    const at = d.steps[state];
    if (at === undefined) return [];
    const label = labels[state] ?? state;
    return [{ state, label, at, offsetMs: at - d.createdAt, failed: d.failedStep !== null && d.failedStep === label }];
  });
}

/**
 * The version a rollback of a target serving `current` restores, as the server picks it: what
 * the target served before the deployment that made `current` (its `previousVersion`). null:
 * nothing to roll back to; undefined: that deployment is not in `history` (not read).
 */
export function rollbackVersion(current: { readonly deploymentId: number } | null, history: readonly Pick<DeploymentLike, 'id' | 'previousVersion'>[]): number | null | undefined {
  if (!current) return null;
  const made = history.find((d) => d.id === current.deploymentId);
  return made ? made.previousVersion : undefined;
}

/** "340 ms" under a second, else as formatDuration ("12 s", "1 min 5 s"); "–" for null or negative. */
export function formatElapsed(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : formatDuration(ms / 1000);
}
