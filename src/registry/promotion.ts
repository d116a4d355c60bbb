/**
 * Applies a model's promotion rule to an evaluated checkpoint: gather what the pure decision
 * (`core/promotion.ts` `shouldPromote`) needs, and when it says promote, make the checkpoint a
 * version and move the alias to it as `system`, with the decision as the reason.
 *
 * The `promotions` subscriber (`promoter.ts`) calls this on `evaluation.done` and
 * `evaluation.overridden`, once per model whose rule watches the evaluation. Idempotent, as an
 * at-least-once subscriber needs:
 * - a crash after the version was made: the call again finds the version (`created: false`)
 *   and moves the alias;
 * - a crash after the alias moved: the call again finds the alias on this checkpoint and does
 *   nothing.
 * The move is a compare-and-set on the version the decision was made against, so a person who
 * moved the alias meanwhile wins: the call throws ConflictError and the retry decides afresh.
 *
 * When deploy targets follow the rule's alias (docs/deployment.md), the alias is not moved here:
 * a deployment is requested on each such target with the move as its `moveAlias`, and the
 * alias moves when a deployment succeeds (in the transaction that records it). A target with a
 * deployment of this version by a promotion already is left alone (a replay).
 */
import { NotFoundError } from '../core/errors.ts';
import { type PromotionCandidate, type PromotionDecision, shouldPromote } from '../core/promotion.ts';
import { type AliasMove, type ModelVersion, type PromotionRule, SYSTEM_ACTOR } from '../core/registry.ts';
import type { Deployment } from '../core/deployment.ts';
import type { DeploymentStore, RegistryStore } from '../store/store.ts';

/** Why a promotion's deployments were asked for: a replay finds them by it. */
const PROMOTION_CAUSE = 'promotion rule';

export interface PromotionDeps {
  readonly store: RegistryStore & Pick<DeploymentStore, 'listDeployTargets' | 'listDeployments' | 'requestDeployment'>;
  readonly now: () => number;
}

export interface PromotionRequest extends PromotionCandidate {
  readonly model: string;
  /**
   * The composite score of a version on the suite the candidate was scored with (the
   * evaluation work looks it up by `version.checkpointId`); null when it has none.
   */
  readonly scoreOf: (version: ModelVersion) => Promise<number | null> | number | null;
  /** Notes of the version it makes ("evaluation 12 on heldout: pass"). Default: none. */
  readonly notes?: string | null;
  /**
   * The rule to apply instead of the model's own (an automation's `promote` action), so that a
   * model without a rule can be promoted. Default: the model's rule.
   */
  readonly rule?: PromotionRule;
}

export interface PromotionOutcome {
  /** Null when the model has no promotion rule (nothing was decided or written). */
  readonly decision: PromotionDecision | null;
  /** The version of the checkpoint when it was promoted (made now, or found from an earlier try). */
  readonly version: ModelVersion | null;
  /** The alias history entry written; null when nothing moved. */
  readonly move: AliasMove | null;
  /**
   * When deploy targets follow the alias: the deployments requested (the alias moves when one
   * succeeds; `move` is null). Absent when no target follows.
   */
  readonly deployments?: readonly Deployment[];
}

/** Throws NotFoundError for an unknown model; ConflictError when the alias moved meanwhile. */
export async function applyPromotionRule(deps: PromotionDeps, request: PromotionRequest): Promise<PromotionOutcome> {
  const { store } = deps;
  const model = await store.getModel(request.model);
  if (!model) throw new NotFoundError('model', request.model);
  const rule = request.rule ?? model.promotionRule;
  if (rule === null) return { decision: null, version: null, move: null };
  const current = await store.getModelVersion(model.name, rule.alias);
  const incumbent = current === null ? null : { version: current.version, checkpointId: current.checkpointId, score: await request.scoreOf(current) };
  const decision = shouldPromote(rule, request, incumbent);
  if (!decision.promote) return { decision, version: null, move: null };
  const { version } = await store.createModelVersion({ model: model.name, checkpointId: request.checkpointId, notes: request.notes ?? null }, SYSTEM_ACTOR, deps.now());
  const followers = (await store.listDeployTargets()).filter((t) => t.model === model.name && t.alias === rule.alias);
  if (followers.length > 0) {
    const deployments: Deployment[] = [];
    for (const target of followers) {
      const earlier = (await store.listDeployments({ target: target.name, limit: 50 })).find((d) => d.version === version.version && d.cause?.startsWith(PROMOTION_CAUSE));
      deployments.push(earlier ?? await store.requestDeployment({
        target: target.name,
        model: model.name,
        version: version.version,
        requestedBy: SYSTEM_ACTOR,
        cause: `${PROMOTION_CAUSE}: ${decision.reason}`,
        moveAlias: { alias: rule.alias, expectedFrom: current?.version ?? null },
      }, deps.now()));
    }
    return { decision, version, move: null, deployments };
  }
  const { move } = await store.moveAlias({
    model: model.name,
    alias: rule.alias,
    version: version.version,
    by: SYSTEM_ACTOR,
    reason: `promotion rule: ${decision.reason}`,
    expectedFrom: current?.version ?? null,
  }, deps.now());
  return { decision, version: { ...version, aliases: [...new Set([...version.aliases, rule.alias])].sort() }, move };
}
