/**
 * One deployment, run as a transaction through a target (target.ts):
 *
 * | step   | state       | what                                                        | fails when                       |
 * |--------|-------------|-------------------------------------------------------------|----------------------------------|
 * | stage  | `staging`   | `target.stage(version)`                                      | it throws                        |
 * | check  | `checking`  | `target.check(version, smoke)`: health and smoke, staged     | the probe is not ok              |
 * | switch | `switching` | `target.switch(version)`                                     | it throws                        |
 * | watch  | `watching`  | a probe every interval for the window, traffic before/after | `judgeWatch` (core/deployment.ts) |
 * | finish | `succeeded` | `finishDeployment`: target's current version + alias move, one transaction |            |
 *
 * On a failure: back to the previous version when there was one (stage it again, switch to it:
 * every target method is idempotent), retire the failed version, and finish `rolled-back` with
 * the reason naming the step ("check: smoke answer '' does not match /\w/"); if the revert
 * fails too, finish `failed` with both reasons. Each step is recorded (`advanceDeployment`)
 * before it runs, so the history shows how far a deployment went.
 *
 * A deployment found in flight after a restart is run again from `stage`. When `signal` aborts
 * (the server closes), the run stops between steps and the deployment stays in flight for the
 * next start: it throws `DeploymentInterrupted`.
 */
import { type Deployment, type DeploymentState, type DeployTargetSpec, type DeploymentStep, DEPLOYMENT_STEPS, FINAL_DEPLOYMENT_STATES, judgeWatch, plannedProbes, type WatchProbe } from '../core/deployment.ts';
import { NotFoundError, TrainyardError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import type { DeployTarget, DeployVersion, TrafficStats } from './target.ts';

/** The server closed during a deployment; it stays in flight and is run again at the next start. */
export class DeploymentInterrupted extends TrainyardError {
  override readonly code = 'deployment_interrupted';
}

export interface TransactionDeps {
  readonly store: Pick<Store, 'advanceDeployment' | 'finishDeployment' | 'getModelVersion' | 'getCheckpoint' | 'getDeployTarget'>;
  readonly target: DeployTarget;
  readonly now: () => number;
  /** Waits `ms`; rejects when `signal` aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly log: (line: string) => void;
  /** Aborted when the server closes. */
  readonly signal?: AbortSignal;
}

/** A failed step, with what failed. */
class StepFailed extends Error {
  readonly detail: string;
  constructor(readonly step: DeploymentStep, detail: string) {
    // Targets' errors often name their step already ("stage: the script exited with code 3").
    const bare = detail.startsWith(`${step}: `) ? detail.slice(step.length + 2) : detail;
    super(`${step}: ${bare}`);
    this.detail = bare;
  }
}

/** The version of `model` as a target needs it: its checkpoint's file and lineage. */
export async function deployVersion(store: TransactionDeps['store'], model: string, version: number): Promise<DeployVersion> {
  const found = await store.getModelVersion(model, version);
  if (!found) throw new NotFoundError('model version', `${model}@${version}`);
  const checkpoint = await store.getCheckpoint(found.checkpointId);
  if (!checkpoint) throw new NotFoundError('checkpoint', found.checkpointId);
  return {
    model,
    version,
    checkpointId: checkpoint.id,
    path: checkpoint.path,
    step: checkpoint.step,
    metadata: { model, version, checkpointId: checkpoint.id, step: checkpoint.step, jobId: checkpoint.jobId, tags: found.tags, notes: found.notes, lineage: found.lineage },
  };
}

/** Runs a deployment to its end; returns it as finished. A final one is returned as it is. */
export async function runDeployment(deps: TransactionDeps, deployment: Deployment): Promise<Deployment> {
  if (FINAL_DEPLOYMENT_STATES.includes(deployment.state)) return deployment;
  const { store, target, signal } = deps;
  const spec = (await store.getDeployTarget(deployment.target)) ?? target.spec;
  const name = `deployment ${deployment.id} (${deployment.model} v${deployment.version} → ${deployment.target})`;

  const enter = async (state: Exclude<DeploymentState, 'requested' | 'succeeded' | 'rolled-back' | 'failed'>) => {
    if (signal?.aborted) throw new DeploymentInterrupted(`${name}: the server closed before ${DEPLOYMENT_STEPS[state]}`);
    await store.advanceDeployment(deployment.id, state, deps.now());
    deps.log(`${name}: ${DEPLOYMENT_STEPS[state]}`);
  };
  const attempt = async <T>(step: DeploymentStep, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof StepFailed || error instanceof DeploymentInterrupted) throw error;
      throw new StepFailed(step, messageOf(error));
    }
  };

  let version: DeployVersion | null = null;
  try {
    version = await attempt('stage', () => deployVersion(store, deployment.model, deployment.version));
    await enter('staging');
    await attempt('stage', () => target.stage(version!));
    await enter('checking');
    const checked = await attempt('check', () => target.check(version!, spec.smoke));
    if (!checked.ok) throw new StepFailed('check', checked.detail);
    await enter('switching');
    await attempt('switch', () => target.switch(version!));
    await enter('watching');
    await attempt('watch', () => watch(deps, spec));
  } catch (error) {
    if (error instanceof DeploymentInterrupted || signal?.aborted) throw asInterrupted(error, name);
    const failure = error instanceof StepFailed ? error : new StepFailed('stage', messageOf(error));
    deps.log(`${name}: ${failure.message}: reverting`);
    return revert(deps, deployment, version, failure);
  }
  const done = await store.finishDeployment(deployment.id, { state: 'succeeded' }, deps.now());
  deps.log(`${name}: succeeded${done.reason ? ` (${done.reason})` : ''}`);
  return done;
}

/** Probes every interval for the window; throws StepFailed('watch') on the first judgement that fails. */
async function watch(deps: TransactionDeps, spec: DeployTargetSpec): Promise<void> {
  const { target } = deps;
  const policy = spec.watch;
  const planned = plannedProbes(policy);
  if (planned === 0) return;
  const readTraffic = async (): Promise<TrafficStats | null> => target.traffic().catch(() => null);
  const before = await readTraffic();
  const probes: WatchProbe[] = [];
  for (let i = 0; i < planned; i++) {
    await deps.sleep(policy.intervalSeconds * 1000, deps.signal);
    const probe = await target.probe(spec.smoke)
      .catch((error: unknown): WatchProbe => ({ ok: false, latencyMs: 0, detail: messageOf(error) }));
    probes.push(probe);
    const judgement = judgeWatch(probes, { before, after: await readTraffic() }, policy, { final: i === planned - 1 });
    if (!judgement.ok) throw new StepFailed('watch', judgement.reason.replace(/^watch: /, ''));
  }
}

/** Back to the previous version (when there was one), retire the failed one, finish rolled-back (or failed). */
async function revert(deps: TransactionDeps, deployment: Deployment, version: DeployVersion | null, failure: StepFailed): Promise<Deployment> {
  const { store, target } = deps;
  const reason = failure.message;
  try {
    if (deployment.previousVersion !== null) {
      const previous = await deployVersion(store, deployment.model, deployment.previousVersion);
      await target.stage(previous);
      await target.switch(previous);
    }
  } catch (error) {
    const both = `${reason}; revert to version ${deployment.previousVersion} failed: ${messageOf(error)}`;
    deps.log(`deployment ${deployment.id}: ${both}`);
    return store.finishDeployment(deployment.id, { state: 'failed', reason: both, step: failure.step }, deps.now());
  }
  if (version) await target.retire(version).catch((error: unknown) => deps.log(`deployment ${deployment.id}: retire of version ${version.version} failed (ignored): ${messageOf(error)}`));
  const back = deployment.previousVersion === null ? 'nothing was served before' : `version ${deployment.previousVersion} serves again`;
  deps.log(`deployment ${deployment.id}: rolled back (${back}): ${reason}`);
  return store.finishDeployment(deployment.id, { state: 'rolled-back', reason, step: failure.step }, deps.now());
}

function asInterrupted(error: unknown, name: string): DeploymentInterrupted {
  return error instanceof DeploymentInterrupted ? error : new DeploymentInterrupted(`${name}: the server closed during it`, { cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
