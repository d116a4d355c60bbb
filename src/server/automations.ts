/**
 * Wires the automations engine (src/automations) with what it may not import: the evaluator, the
 * deployer, the registry's promotion and the inbox's waiting files lent as its ports. Subscribe
 * before `control.start()`; `start()` after it.
 */
import { createAutomations, type Automations } from '../automations/automations.ts';
import type { PromoteRequest } from '../automations/actions.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import type { Control } from '../control/control.ts';
import { createDataDirLayout } from '../control/data-dir.ts';
import { listWaiting } from '../inbox/watcher.ts';
import { applyPromotionRule, promotionInputs } from '../registry/index.ts';
import type { Deployer } from '../deploy/deployer.ts';
import type { Evaluator } from '../evaluation/evaluator.ts';
import type { Curricula } from '../curriculum/curricula.ts';
import type { Store } from '../store/store.ts';

export interface AutomationWiring {
  readonly store: Store;
  readonly control: Control;
  readonly evaluator: Evaluator;
  readonly deployer: Deployer;
  /** The `curriculum` action's port. Default: none (the action fails). */
  readonly curricula?: Curricula;
  readonly dataDir: string;
  readonly now: () => number;
  readonly log: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

export function subscribeAutomations(deps: AutomationWiring): Automations {
  const automations = createAutomations({
    store: deps.store, control: deps.control, dataDir: deps.dataDir, now: deps.now, log: deps.log, env: deps.env,
    ports: {
      async evaluate(suite, checkpointId) {
        const { evaluation, created } = await deps.evaluator.run(suite, checkpointId);
        return { evaluationId: evaluation.id, evalJobId: evaluation.evalJobId, created };
      },
      async deploy(request) {
        const deployment = await deps.deployer.deploy({ target: request.target, model: request.model, version: request.version, by: 'automation', reason: request.reason });
        return { deploymentId: deployment.id };
      },
      promote: (request) => promoteByRule(deps, request),
      ...(deps.curricula ? {
        async curriculumJob(request: { name: string; run: 'train' | 'generate'; tags: readonly string[] }) {
          const job = await deps.curricula!.run(request.name, request.run, request.tags);
          return { jobId: job.id, jobName: job.spec.name, level: job.spec.tags.find((t) => t.startsWith(`curriculum:${request.name}:`))?.split(':')[2] ?? '?' };
        },
      } : {}),
      async waitingInboxFiles(priority) {
        return (await listWaiting(createDataDirLayout(deps.dataDir).inbox)).filter((f) => priority === undefined || f.priority === priority).length;
      },
    },
  });
  automations.subscribe();
  return automations;
}

/**
 * An automation's `promote`: the promotion decision the `promotions` subscriber makes
 * (registry/promoter.ts `promotionInputs` → registry/promotion.ts `applyPromotionRule`), with the
 * action's rule instead of the model's own. Throws NotFoundError (evaluation, model) and
 * ConflictError (not done; the alias moved meanwhile; a deployment in flight on a target).
 */
export async function promoteByRule(deps: Pick<AutomationWiring, 'store' | 'now'>, request: PromoteRequest): Promise<{ detail: string; deploymentIds: number[] }> {
  const evaluation = await deps.store.getEvaluation(request.evaluationId);
  if (!evaluation) throw new NotFoundError('evaluation', request.evaluationId);
  if (evaluation.state !== 'done' || evaluation.result === null) throw new ConflictError(`evaluation ${evaluation.id} is ${evaluation.state}, not done: nothing to promote`);
  const outcome = await applyPromotionRule({ store: deps.store, now: deps.now }, {
    model: request.model,
    ...promotionInputs(deps.store, evaluation),
    rule: { alias: request.alias, margin: request.margin, relative: request.relative },
  });
  const decision = outcome.decision!;
  const deployments = outcome.deployments ?? [];
  const what = !decision.promote ? `${request.model}: not promoted`
    : deployments.length > 0 ? `${request.model} version ${outcome.version!.version} (checkpoint ${evaluation.checkpointId}): deploying to ${deployments.map((d) => `${d.target} (deployment ${d.id})`).join(', ')}; ${request.alias} moves when one succeeds`
    : `${request.model} version ${outcome.version!.version} (checkpoint ${evaluation.checkpointId}) is ${request.alias}`;
  return { detail: `${what}: ${decision.reason}`, deploymentIds: deployments.map((d) => d.id) };
}
