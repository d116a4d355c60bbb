/**
 * The deployer: runs deployments (transaction.ts) on the declared targets, as the durable
 * subscriber `deployments` of the event log.
 *
 * - `deployment.requested` (a manual deploy or rollback, a promotion): the deployment is run.
 *   At least once: a final one is skipped, one found mid-way after a restart is run again from
 *   `stage` (every target method is idempotent); `start()` also runs every deployment left in
 *   flight.
 * - `model.alias_moved` not made by a deployment (a person's move, a rollback's move back): the
 *   new version is deployed to each target following that alias, with no alias move of its
 *   own; if it fails, the target reverts and the store moves the alias back to what the target
 *   serves (`finishDeployment`), so alias and target agree. A target that serves the version
 *   already (the move was a deployment's own) is left alone; one busy with another deployment
 *   makes the handler throw, and the event log retries it once that ended.
 *
 * One deployment at a time per target (a queue each); targets are opened at `start()` and
 * closed at `close()`, which also interrupts a deployment between steps (it stays in flight for
 * the next start).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { EventLog } from '../control/event-log.ts';
import { type Deployment, type DeployTargetSpec, type DeployTargetState, FINAL_DEPLOYMENT_STATES, IN_FLIGHT_DEPLOYMENT_STATES } from '../core/deployment.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import type { DomainEvent } from '../core/events.ts';
import { SYSTEM_ACTOR, type VersionRef } from '../core/registry.ts';
import type { NewDeployment, Store } from '../store/store.ts';
import type { DeployTarget, TargetKind } from './target.ts';
import { checkSmokeFits, targetKind } from './targets/index.ts';
import { DeploymentInterrupted, runDeployment } from './transaction.ts';

/** The durable subscriber's name: its cursor is stored under it. */
export const DEPLOYMENT_SUBSCRIBER = 'deployments';

export interface DeployerDeps {
  readonly store: Store;
  readonly control: { readonly events: Pick<EventLog, 'subscribe'> };
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** The server's data directory: each target's files go under `<dataDir>/deploy/<name>/`. */
  readonly dataDir: string;
  /** The environment a target's commands start from (no `TRAINYARD_*`); default: the process's, without `TRAINYARD_*`. */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** The kind of a target by name. Default: targets/index.ts `targetKind` (tests pass a fake kind). */
  readonly kindOf?: (kind: string) => TargetKind;
  /** Waits between watch probes. Default: a timer. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A deploy of a version by hand (`trainyard deploy`): the target's alias moves when it succeeds. */
export interface ManualDeploy {
  readonly target: string;
  readonly model: string;
  readonly version: VersionRef;
  readonly by: string;
  readonly reason?: string | null;
}

export interface Deployer {
  /** Subscribes to the event log (before `control.start()`). */
  subscribe(): void;
  /** Opens every declared target and runs the deployments left in flight. */
  start(): Promise<void>;
  /** Saves a target (its config checked by its kind) and (re)opens it. */
  saveTarget(spec: DeployTargetSpec, by: string): Promise<DeployTargetState>;
  /** Throws ConflictError while a deployment on it is in flight. */
  removeTarget(name: string, by: string): Promise<void>;
  /** Requests a deployment and runs it; resolves once it is recorded (202), not when it ends. */
  deploy(request: ManualDeploy): Promise<Deployment>;
  /** Deploys the version the target served before its current one; ConflictError when there is none. */
  rollback(target: string, options: { readonly by: string; readonly reason?: string | null }): Promise<Deployment>;
  /** The version the target reports serving (null: none, unknown, or the target is not open). */
  live(target: string): Promise<{ readonly model: string; readonly version: number; readonly servingName: string | null } | null>;
  /** Resolves when no deployment is running (tests). */
  idle(): Promise<void>;
  /** Interrupts running deployments between steps and closes every target. */
  close(): Promise<void>;
}

export function createDeployer(deps: DeployerDeps): Deployer {
  const { store, log } = deps;
  const kindOf = deps.kindOf ?? targetKind;
  const sleep = deps.sleep ?? ((ms: number, signal?: AbortSignal) => sleepFor(ms, undefined, { signal }));
  const abort = new AbortController();
  const targets = new Map<string, { readonly key: string; readonly target: DeployTarget; opened: Promise<void> }>();
  const queues = new Map<string, Promise<void>>();
  const running = new Set<number>();

  /** The target's instance for this spec, opened (again when its spec changed). */
  async function instance(spec: DeployTargetSpec): Promise<DeployTarget> {
    const key = JSON.stringify([spec.kind, spec.model, spec.alias, spec.config, spec.smoke, spec.watch]);
    let entry = targets.get(spec.name);
    if (entry?.key !== key) {
      if (entry) await entry.target.close().catch((error: unknown) => log(`deploy target ${spec.name}: close failed: ${messageOf(error)}`));
      const dir = join(deps.dataDir, 'deploy', spec.name);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const target = kindOf(spec.kind).create(spec, { dir, dataDir: deps.dataDir, baseEnv: deps.baseEnv, log: (line) => log(`deploy target ${spec.name}: ${line}`) });
      entry = { key, target, opened: target.open() };
      targets.set(spec.name, entry);
    }
    try {
      await entry.opened;
    } catch (error) {
      entry.opened = entry.target.open(); // the next use tries again
      throw error;
    }
    return entry.target;
  }

  /** Runs a deployment after the ones queued on its target; once per id at a time. */
  function schedule(deployment: Pick<Deployment, 'id' | 'target'>): void {
    if (running.has(deployment.id) || abort.signal.aborted) return;
    running.add(deployment.id);
    const next = (queues.get(deployment.target) ?? Promise.resolve())
      .then(() => execute(deployment.id))
      .finally(() => running.delete(deployment.id));
    queues.set(deployment.target, next);
  }

  async function execute(id: number): Promise<void> {
    const deployment = await store.getDeployment(id);
    if (!deployment || FINAL_DEPLOYMENT_STATES.includes(deployment.state) || abort.signal.aborted) return;
    try {
      const spec = await store.getDeployTarget(deployment.target);
      if (!spec) {
        await store.finishDeployment(id, { state: 'failed', reason: `stage: deploy target ${deployment.target} was removed`, step: 'stage' }, deps.now());
        return;
      }
      let target: DeployTarget;
      try {
        target = await instance(spec);
      } catch (error) {
        await store.finishDeployment(id, { state: 'rolled-back', reason: `stage: the target could not be opened: ${messageOf(error)}`, step: 'stage' }, deps.now());
        return;
      }
      await runDeployment({ store, target, now: deps.now, sleep, log, signal: abort.signal }, deployment);
    } catch (error) {
      if (error instanceof DeploymentInterrupted) log(`${error.message}: it runs again at the next start`);
      else log(`deployment ${id}: ${messageOf(error)} (left in flight: it runs again at the next start)`);
    }
  }

  async function request(newDeployment: NewDeployment): Promise<Deployment> {
    const deployment = await store.requestDeployment(newDeployment, deps.now());
    schedule(deployment);
    return deployment;
  }

  async function requireTarget(name: string): Promise<DeployTargetState> {
    const target = await store.getDeployTarget(name);
    if (!target) throw new NotFoundError('deploy target', name);
    return target;
  }

  async function aliasVersion(model: string, alias: string): Promise<number | null> {
    return (await store.getModelVersion(model, alias))?.version ?? null;
  }

  /** A move of an alias: deploy its new version to every target that follows it. */
  async function followMove(event: Extract<DomainEvent, { type: 'model.alias_moved' }>): Promise<void> {
    const { model, alias, to, by, reason } = event.data;
    if (to === null) return;
    const followers = (await store.listDeployTargets()).filter((t) => t.model === model && t.alias === alias);
    for (const target of followers) {
      if (target.current?.version === to) continue;
      const [last] = await store.listDeployments({ target: target.name, limit: 1 });
      if (last && IN_FLIGHT_DEPLOYMENT_STATES.includes(last.state)) {
        // Make sure it runs (its own event may come after this one), then retry this one after it.
        schedule(last);
        if (last.version === to) continue;
        throw new ConflictError(`deploy target ${target.name} is busy with deployment ${last.id}: ${model}@${alias} → version ${to} is deployed after it`);
      }
      // A replay: this move was followed already (and that deployment ended).
      if (last && last.version === to && last.createdAt >= event.at) continue;
      if ((await aliasVersion(model, alias)) !== to) continue; // moved again since: that move's event follows
      await request({
        target: target.name,
        model,
        version: to,
        requestedBy: SYSTEM_ACTOR,
        cause: `${alias} moved to version ${to} by ${by}${reason ? `: ${reason}` : ''}`,
        moveAlias: null,
      });
    }
  }

  async function handle(event: DomainEvent): Promise<void> {
    if (event.type === 'deployment.requested') {
      const deployment = await store.getDeployment(event.data.deploymentId);
      if (deployment && !FINAL_DEPLOYMENT_STATES.includes(deployment.state)) schedule(deployment);
    } else if (event.type === 'model.alias_moved') {
      await followMove(event);
    }
  }

  return {
    subscribe() {
      deps.control.events.subscribe(DEPLOYMENT_SUBSCRIBER, handle, { types: ['deployment.requested', 'model.alias_moved'], startAt: 'now' });
    },

    async start() {
      for (const spec of await store.listDeployTargets()) {
        await instance(spec).catch((error: unknown) => log(`deploy target ${spec.name}: open failed: ${messageOf(error)}`));
      }
      for (const deployment of await store.inFlightDeployments()) {
        log(`deployment ${deployment.id} (${deployment.model} v${deployment.version} → ${deployment.target}) was in flight (${deployment.state}): running it again from stage`);
        schedule(deployment);
      }
    },

    async saveTarget(spec, by) {
      const kind = kindOf(spec.kind);
      const config = kind.parseConfig(spec.config);
      checkSmokeFits(kind, spec.smoke);
      const saved = await store.saveDeployTarget({ ...spec, config }, by, deps.now());
      instance(saved).catch((error: unknown) => log(`deploy target ${saved.name}: open failed: ${messageOf(error)}`));
      return saved;
    },

    async removeTarget(name, by) {
      await store.removeDeployTarget(name, by, deps.now());
      const entry = targets.get(name);
      targets.delete(name);
      await entry?.target.close().catch((error: unknown) => log(`deploy target ${name}: close failed: ${messageOf(error)}`));
    },

    async deploy(manual) {
      const target = await requireTarget(manual.target);
      const version = await store.getModelVersion(manual.model, manual.version);
      if (!version) throw new NotFoundError('model version', `${manual.model}@${manual.version}`);
      return request({
        target: target.name,
        model: manual.model,
        version: version.version,
        requestedBy: manual.by,
        cause: `deploy by ${manual.by}${manual.reason ? `: ${manual.reason}` : ''}`,
        moveAlias: target.model === manual.model ? { alias: target.alias, expectedFrom: await aliasVersion(target.model, target.alias) } : null,
      });
    },

    async rollback(name, options) {
      const target = await requireTarget(name);
      if (!target.current) throw new ConflictError(`deploy target ${name} serves nothing yet: nothing to roll back`);
      const made = await store.getDeployment(target.current.deploymentId);
      const previous = made?.previousVersion ?? null;
      if (previous === null) throw new ConflictError(`deploy target ${name} served nothing before ${target.model} v${target.current.version}: nothing to roll back to`);
      return request({
        target: name,
        model: target.model,
        version: previous,
        requestedBy: options.by,
        cause: `rollback from version ${target.current.version} by ${options.by}${options.reason ? `: ${options.reason}` : ''}`,
        moveAlias: { alias: target.alias, expectedFrom: await aliasVersion(target.model, target.alias) },
      });
    },

    async live(name) {
      const entry = targets.get(name);
      if (!entry) return null;
      try {
        await entry.opened;
        const current = await entry.target.current();
        return current && { ...current, servingName: (await entry.target.servingName?.()) ?? null };
      } catch {
        return null;
      }
    },

    async idle() {
      while (running.size > 0) await Promise.allSettled([...queues.values()]);
    },

    async close() {
      abort.abort();
      await Promise.allSettled([...queues.values()]);
      for (const [name, entry] of targets) {
        await entry.target.close().catch((error: unknown) => log(`deploy target ${name}: close failed: ${messageOf(error)}`));
      }
      targets.clear();
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
