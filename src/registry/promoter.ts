/**
 * Promotion as a durable subscriber of the event log (`promotions`): on `evaluation.done` and
 * `evaluation.overridden`, every model whose rule watches the evaluation (its suite, its job's
 * tag: `core/registry.ts` `ruleWatches`) gets `applyPromotionRule` with the evaluation's
 * composite score, verdict and regression alarm, compared with the alias's version's score on
 * the same suite.
 *
 * The evaluation is read as it is now, so both events decide the same way: an overridden one
 * ("promote anyway") passes its verdict and alarm, and still has to beat the alias by the
 * margin. Delivery is at least once; a replay creates nothing:
 * - the version of a checkpoint is found, not made again (`created: false`), and an alias on it
 *   already is left alone (`promotion.ts`);
 * - a candidate judged before a person's latest move of the alias is left alone (their choice
 *   is newer), so a replay never undoes a rollback.
 * A person's move between the rule's read and its move wins (ConflictError): the handler throws,
 * the event log retries, the rule decides afresh.
 */
import type { Evaluation } from '../core/eval-record.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import type { DomainEvent } from '../core/events.ts';
import { type Model, ruleWatches, SYSTEM_ACTOR } from '../core/registry.ts';
import type { EventLog } from '../control/event-log.ts';
import type { Store } from '../store/store.ts';
import { applyPromotionRule, type PromotionOutcome, type PromotionRequest } from './promotion.ts';
import { resultOn } from './suite-results.ts';

/** The durable subscriber's name: its cursor is stored under it. */
export const PROMOTION_SUBSCRIBER = 'promotions';

export interface PromoterDeps {
  readonly store: Store;
  readonly control: { readonly events: Pick<EventLog, 'subscribe'> };
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Waits between looks at deployments in flight. Default: a 200 ms timer. */
  readonly pause?: () => Promise<void>;
}

/** How long a promotion waits for deployments in flight on the alias's targets before it lets the event log retry. */
const MAX_WAIT_FOR_DEPLOYMENTS_MS = 30 * 60_000;

export interface Promoter {
  /** Subscribes to the event log (before or after `control.start()`), from the beginning of the log. */
  subscribe(): void;
  /** Handles one event as the subscriber does (exposed for tests). */
  handle(event: DomainEvent): Promise<void>;
}

/**
 * What the promotion decision reads from a done evaluation: its composite score, verdict and
 * regression alarm (an overridden one, "promote anyway", passes both), the alias's version's
 * score on the same suite (and suite version), and the notes of the version it makes. Shared by
 * the `promotions` subscriber and the automations' `promote` action (server/automations.ts).
 */
export function promotionInputs(store: Store, evaluation: Evaluation): Omit<PromotionRequest, 'model'> {
  const result = evaluation.result!;
  const overridden = evaluation.override !== null;
  return {
    checkpointId: evaluation.checkpointId,
    score: result.score,
    verdict: overridden ? null : result.verdict,
    regressions: overridden ? [] : result.regressions,
    scoreOf: async (version) => (await resultOn(store, version.checkpointId, evaluation.suite, evaluation.suiteVersion))?.result?.score ?? null,
    notes: `evaluation ${evaluation.id} on ${evaluation.suite}: ${result.verdict}, score ${result.score === null ? 'none' : Number(result.score.toPrecision(4))}`
      + (overridden ? `; promote anyway by ${evaluation.override!.by}: ${evaluation.override!.reason}` : ''),
  };
}

export function createPromoter(deps: PromoterDeps): Promoter {
  const { store, log } = deps;

  /** The models whose rule watches this evaluation. */
  async function watchers(evaluation: Evaluation): Promise<Model[]> {
    const tags = (await store.getJob(evaluation.jobId))?.spec.tags ?? [];
    return (await store.listModels()).filter((m) => m.promotionRule !== null && ruleWatches(m.promotionRule, evaluation.suite, tags));
  }

  /**
   * Why the rule leaves this candidate alone, or null: a person moved the alias at or after
   * the candidate was judged (its evaluation ended, or was overridden). Their choice is newer
   * than the candidate, so a late or replayed event never undoes it.
   */
  async function personMovedSince(model: Model, evaluation: Evaluation): Promise<string | null> {
    const judgedAt = Math.max(evaluation.endedAt ?? 0, evaluation.override?.at ?? 0);
    const alias = model.promotionRule!.alias;
    const later = (await store.listAliasMoves(model.name, alias)).filter((m) => m.by !== SYSTEM_ACTOR && m.at >= judgedAt).at(-1);
    return later ? `${later.by} moved ${alias} after it was judged (${later.to === null ? 'deleted it' : `to version ${later.to}`}${later.reason ? `: ${later.reason}` : ''})` : null;
  }

  async function promote(model: Model, evaluation: Evaluation): Promise<PromotionOutcome | null> {
    const skip = await personMovedSince(model, evaluation);
    if (skip) {
      log(`promotion ${model.name}: evaluation ${evaluation.id} (checkpoint ${evaluation.checkpointId}, step ${evaluation.step}): left alone: ${skip}`);
      return null;
    }
    await deploymentsSettled(model);
    try {
      const outcome = await applyPromotionRule({ store, now: deps.now }, { model: model.name, ...promotionInputs(store, evaluation) });
      const what = outcome.deployments
        ? `deploying version ${outcome.version!.version} to ${outcome.deployments.map((d) => `${d.target} (deployment ${d.id})`).join(', ')}; ${model.promotionRule!.alias} moves when one succeeds`
        : outcome.move ? `${model.promotionRule!.alias} → version ${outcome.move.to}` : 'not promoted';
      log(`promotion ${model.name}: evaluation ${evaluation.id} (checkpoint ${evaluation.checkpointId}, step ${evaluation.step}): ${what}: ${outcome.decision?.reason ?? 'no rule'}`);
      return outcome;
    } catch (error) {
      // The checkpoint's file went (retention) before the rule saw it: nothing to promote, ever.
      if (error instanceof ConflictError && (await store.getCheckpoint(evaluation.checkpointId))?.deleted) {
        log(`promotion ${model.name}: evaluation ${evaluation.id}: checkpoint ${evaluation.checkpointId} was deleted before it could be promoted`);
        return null;
      }
      if (error instanceof NotFoundError) {
        log(`promotion ${model.name}: evaluation ${evaluation.id} passed over: ${error.message}`);
        return null;
      }
      throw error;
    }
  }

  /**
   * Waits while a deployment on a target that follows the rule's alias is in flight: the rule
   * then compares the candidate with the version that deployment leaves behind, and its own
   * deployment is not refused (one at a time per target). Throws after a long wait; the event
   * log retries.
   */
  async function deploymentsSettled(model: Model): Promise<void> {
    const alias = model.promotionRule!.alias;
    const pause = deps.pause ?? (() => new Promise<void>((done) => setTimeout(done, 200)));
    const followers = new Set((await store.listDeployTargets()).filter((t) => t.model === model.name && t.alias === alias).map((t) => t.name));
    if (followers.size === 0) return;
    const started = Date.now();
    while ((await store.inFlightDeployments()).some((d) => followers.has(d.target))) {
      if (Date.now() - started > MAX_WAIT_FOR_DEPLOYMENTS_MS) throw new ConflictError(`deployments of ${model.name}@${alias} still in flight after ${MAX_WAIT_FOR_DEPLOYMENTS_MS / 60_000} minutes`);
      await pause();
    }
  }

  async function handle(event: DomainEvent): Promise<void> {
    if (event.type !== 'evaluation.done' && event.type !== 'evaluation.overridden') return;
    const evaluation = await store.getEvaluation(event.data.evaluationId);
    if (!evaluation || evaluation.state !== 'done' || evaluation.result === null) return;
    for (const model of await watchers(evaluation)) await promote(model, evaluation);
  }

  return {
    subscribe() {
      deps.control.events.subscribe(PROMOTION_SUBSCRIBER, handle, { types: ['evaluation.done', 'evaluation.overridden'], startAt: 'beginning' });
    },
    handle,
  };
}
