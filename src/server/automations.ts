/**
 * Wires the automations engine (src/automations) with what it may not import: the evaluator and
 * the deployer lent as its ports. Subscribe before `control.start()`; `start()` after it.
 */
import { createAutomations, type Automations } from '../automations/automations.ts';
import type { Control } from '../control/control.ts';
import type { Deployer } from '../deploy/deployer.ts';
import type { Evaluator } from '../evaluation/evaluator.ts';
import type { Store } from '../store/store.ts';

export interface AutomationWiring {
  readonly store: Store;
  readonly control: Control;
  readonly evaluator: Evaluator;
  readonly deployer: Deployer;
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
    },
  });
  automations.subscribe();
  return automations;
}
