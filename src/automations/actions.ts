/**
 * The actions a firing runs (docs/automations.md), each through the layer that owns it: a job
 * submitted through control, an evaluation or a deployment through the ports the server wires
 * (evaluation/ and deploy/ sit beside this layer, not below it), pause and stop through control.
 */
import { isAbsolute, resolve } from 'node:path';
import type { PromoteAction, RuleAction } from '../core/automation.ts';
import { ValidationError } from '../core/errors.ts';
import type { DomainEvent } from '../core/events.ts';
import { parseJobSpec } from '../core/job-spec.ts';
import type { JobSpec } from '../core/types.ts';
import type { Control } from '../control/control.ts';
import type { Store } from '../store/store.ts';

/** What the server lends this layer: evaluation and deployment. */
export interface AutomationPorts {
  /** Evaluates a checkpoint by a suite; an existing evaluation of the pair is returned. */
  evaluate(suite: string, checkpointId: number): Promise<{ readonly evaluationId: number; readonly evalJobId: number | null; readonly created: boolean }>;
  /** Requests a deployment; resolves once it is recorded. */
  deploy(request: { readonly target: string; readonly model: string; readonly version: number | string; readonly reason: string }): Promise<{ readonly deploymentId: number }>;
  /**
   * The registry's promotion decision for a done evaluation with this rule (not the model's):
   * makes the version and moves the alias, or requests deployments on the targets that follow
   * it. Idempotent (a replay finds the version and deployments). `detail` says the decision's reason.
   */
  promote(request: PromoteRequest): Promise<{ readonly detail: string; readonly deploymentIds: readonly number[] }>;
  /**
   * Submits the current level's job (`train`) or data-generation job (`generate`) of a curriculum,
   * with `tags` added (src/curriculum). Absent: the `curriculum` action fails. Throws NotFoundError,
   * ConflictError (no generate job at the level), ValidationError.
   */
  curriculumJob?(request: { readonly name: string; readonly run: 'train' | 'generate'; readonly tags: readonly string[] }): Promise<{ readonly jobId: number; readonly jobName: string; readonly level: string }>;
  /** The number of inbox files waiting in the priority folders (one, or all). Absent: `on: {inbox}` rules never fire. */
  waitingInboxFiles?(priority?: 'high' | 'normal' | 'low'): Promise<number>;
}

export interface PromoteRequest extends PromoteAction {
  readonly evaluationId: number;
}

export interface ActionDeps {
  readonly store: Store;
  readonly control: Control;
  readonly ports: AutomationPorts;
  /** A submit template's relative or missing `cwd` is taken from here (the data directory). */
  readonly baseDir: string;
}

export interface ActionResult {
  readonly detail: string;
  readonly madeJobId?: number | null;
  readonly madeDeploymentId?: number | null;
}

/** The tags a submitted job carries: the rule, and the firing (how a restart finds it). */
export function firingTags(rule: string, firingId: number): string[] {
  return [`automation:${rule}`.slice(0, 100), `automation-firing:${firingId}`];
}

/** A submit action's job spec, filled and validated (ValidationError names the field under `do.submit`). */
export function submitSpec(template: Record<string, unknown>, baseDir: string, tags: readonly string[]): JobSpec {
  const cwd = typeof template.cwd === 'string' ? (isAbsolute(template.cwd) ? template.cwd : resolve(baseDir, template.cwd)) : baseDir;
  const given = Array.isArray(template.tags) ? template.tags : [];
  try {
    return parseJobSpec({ ...template, cwd, tags: [...given, ...tags] });
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(error.message, null, { code: 'invalid_rule' });
    throw error;
  }
}

/** The job a pause or stop acts on: the action's `job`, else the event's. */
export function targetJob(job: string | number | undefined, event: DomainEvent | null): number {
  const id = job !== undefined ? Number(job) : (event?.jobId ?? NaN);
  if (!Number.isInteger(id) || id <= 0) throw new ValidationError(event ? `event ${event.id} (${event.type}) is about no job: name one with \`job:\`` : 'a scheduled firing needs `job:`', 'do.job');
  return id;
}

/** Runs an action other than webhook (webhook.ts). Throws what went wrong. */
export async function runAction(action: RuleAction, firing: { readonly id: number; readonly rule: string }, event: DomainEvent | null, deps: ActionDeps): Promise<ActionResult> {
  if (action.submit) {
    const tags = firingTags(firing.rule, firing.id);
    // Idempotent: a job this firing submitted before a restart is found by its tag.
    const [existing] = await deps.store.listJobs({ tags: [tags[1]], limit: 1 });
    if (existing) return { detail: `job ${existing.id} (${existing.spec.name}) was submitted`, madeJobId: existing.id };
    const job = await deps.control.jobs.submit(submitSpec(action.submit, deps.baseDir, tags));
    return { detail: `job ${job.id} (${job.spec.name}) submitted${job.initFrom ? ` from checkpoint ${job.initFrom.checkpointId}` : ''}`, madeJobId: job.id };
  }
  if (action.curriculum) {
    const { name, run } = action.curriculum;
    if (!deps.ports.curriculumJob) throw new ValidationError('curricula are not wired in this server', 'do.curriculum');
    const tags = firingTags(firing.rule, firing.id);
    // Idempotent as submit is: a job this firing made before a restart is found by its tag.
    const [existing] = await deps.store.listJobs({ tags: [tags[1]], limit: 1 });
    if (existing) return { detail: `job ${existing.id} (${existing.spec.name}) was submitted`, madeJobId: existing.id };
    const made = await deps.ports.curriculumJob({ name, run, tags });
    return { detail: `job ${made.jobId} (${made.jobName}) submitted: the ${run} job of curriculum ${name} at level ${made.level}`, madeJobId: made.jobId };
  }
  if (action.eval) {
    const checkpointId = Number(action.eval.checkpoint ?? checkpointOf(event));
    if (!Number.isInteger(checkpointId)) throw new ValidationError(`expected a checkpoint id, got ${JSON.stringify(action.eval.checkpoint ?? null)}`, 'do.eval.checkpoint');
    const made = await deps.ports.evaluate(action.eval.suite, checkpointId);
    return { detail: `evaluation ${made.evaluationId} (suite ${action.eval.suite} on checkpoint ${checkpointId})${made.created ? ` runs as job ${made.evalJobId}` : ' existed already'}`, madeJobId: made.evalJobId };
  }
  if (action.deploy) {
    const version = typeof action.deploy.version === 'string' && /^\d+$/.test(action.deploy.version) ? Number(action.deploy.version) : action.deploy.version;
    const made = await deps.ports.deploy({ target: action.deploy.target, model: action.deploy.model, version, reason: `automation ${firing.rule} (firing ${firing.id})` });
    return { detail: `deployment ${made.deploymentId} of ${action.deploy.model}@${version} to ${action.deploy.target} requested`, madeDeploymentId: made.deploymentId };
  }
  if ('pause' in action) {
    const jobId = targetJob(action.pause?.job, event);
    const job = await deps.control.jobs.pause(jobId);
    return { detail: `job ${jobId} is ${job.state}` };
  }
  if ('stop' in action) {
    const jobId = targetJob(action.stop?.job, event);
    const job = await deps.control.jobs.requestStop(jobId);
    return { detail: `job ${jobId} is ${job.state}` };
  }
  if (action.promote) {
    const evaluationId = evaluationOf(event);
    if (evaluationId === null) throw new ValidationError(event ? `event ${event.id} (${event.type}) names no evaluation (expected evaluation.done or evaluation.overridden)` : 'a scheduled firing names no evaluation', 'do.promote');
    const made = await deps.ports.promote({ ...action.promote, evaluationId });
    return { detail: made.detail, madeDeploymentId: made.deploymentIds[0] ?? null };
  }
  throw new ValidationError('no action', 'do');
}

/** The checkpoint an event is about: `data.checkpointId`, or a registered checkpoint's `data.id`. */
export function checkpointOf(event: DomainEvent | null): number | null {
  if (!event) return null;
  const data = event.data as { checkpointId?: unknown; id?: unknown };
  if (typeof data.checkpointId === 'number') return data.checkpointId;
  if (event.type === 'checkpoint.registered' && typeof data.id === 'number') return data.id;
  return null;
}

/** The evaluation an event is about (`data.evaluationId`), or null. */
export function evaluationOf(event: DomainEvent | null): number | null {
  const id = (event?.data as { evaluationId?: unknown } | undefined)?.evaluationId;
  return typeof id === 'number' ? id : null;
}

/** One line saying what an action would do (the dry run). */
export function describeAction(action: RuleAction, event: DomainEvent | null, baseDir: string): string {
  if (action.submit) {
    const spec = submitSpec(action.submit, baseDir, []);
    return `submit job ${JSON.stringify(spec.name)}${spec.from ? ` from ${spec.from}` : ''}: ${spec.command.join(' ')}`;
  }
  if (action.curriculum) return `submit the ${action.curriculum.run} job of curriculum ${action.curriculum.name} at its current level`;
  if (action.eval) return `evaluate checkpoint ${action.eval.checkpoint ?? checkpointOf(event) ?? '(none: the event names no checkpoint)'} with suite ${action.eval.suite}`;
  if (action.deploy) return `deploy ${action.deploy.model}@${action.deploy.version} to ${action.deploy.target}`;
  if ('pause' in action) return `pause job ${targetJob(action.pause?.job, event)}`;
  if ('stop' in action) return `stop job ${targetJob(action.stop?.job, event)}`;
  if (action.webhook) return `POST to ${action.webhook.url}${action.webhook.secretEnv ? ` signed with $${action.webhook.secretEnv}` : ' unsigned'} (up to ${action.webhook.retries + 1} tries)`;
  if (action.promote) {
    const p = action.promote;
    return `promote the checkpoint of evaluation ${evaluationOf(event) ?? '(none: the event names no evaluation)'} to ${p.model}@${p.alias} if it beats it by ${p.relative ? `${p.margin * 100} %` : p.margin} (core/promotion.ts)`;
  }
  return 'nothing';
}
