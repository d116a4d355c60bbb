/**
 * Wires what happens after training, as durable subscribers of the event log: the evaluator
 * (each checkpoint of a job that asks for suites is evaluated; `evaluations`) with the
 * registry's resolver for model baselines, and the promoter (each evaluation is offered to the
 * models whose promotion rule watches it; `promotions`), and the deployer (each requested
 * deployment is run, each alias move is deployed to the targets that follow it; `deployments`).
 * Subscribe before `control.start()`.
 */
import { createEvaluator, type Evaluator, type EvaluatorDeps } from '../evaluation/evaluator.ts';
import { createModelBaseline, createPromoter } from '../registry/index.ts';
import { createDeployer, type Deployer, type DeployerDeps } from '../deploy/deployer.ts';

export function subscribeAfterTraining(deps: Omit<EvaluatorDeps, 'modelBaseline'>): Evaluator {
  const evaluator = createEvaluator({ ...deps, modelBaseline: createModelBaseline(deps.store) });
  evaluator.subscribe();
  createPromoter(deps).subscribe();
  return evaluator;
}

/** The deployer, subscribed; call its `start()` once the event log runs and `close()` before it stops. */
export function subscribeDeployer(deps: DeployerDeps): Deployer {
  const deployer = createDeployer(deps);
  deployer.subscribe();
  return deployer;
}
