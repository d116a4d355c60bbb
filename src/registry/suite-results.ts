/**
 * A checkpoint's results on an eval suite, as the registry reads them: the score a promotion
 * rule compares a candidate with (the alias's version's), and the values of a model version
 * that a suite names as its baseline (`baseline: {model: chat@production}`).
 */
import type { Evaluation } from '../core/eval-record.ts';
import { parseModelRef } from '../core/registry.ts';
import type { EvaluationStore, RegistryStore } from '../store/store.ts';

/**
 * The newest done evaluation of a checkpoint by a suite that has values, preferring one made
 * with `suiteVersion` when given (a changed suite may score differently); null when none.
 */
export async function resultOn(
  store: Pick<EvaluationStore, 'listEvaluations'>,
  checkpointId: number,
  suite: string,
  suiteVersion?: number,
): Promise<Evaluation | null> {
  const done = (await store.listEvaluations({ checkpointId, suite, state: 'done' }))
    .filter((e) => e.result !== null && Object.keys(e.result.values).length > 0)
    .sort((a, b) => b.id - a.id);
  return done.find((e) => e.suiteVersion === suiteVersion) ?? done[0] ?? null;
}

/**
 * The registry's resolver for suites whose baseline is a model version (`createEvaluator({
 * modelBaseline })`): `chat@production` → that version's checkpoint → its results on the same
 * suite. Null (the evaluation is then judged without a baseline: `no-baseline` where a change
 * threshold needs one) when the reference is malformed, the model, version or alias does not
 * exist, or the version's checkpoint has no done evaluation by the suite.
 */
export function createModelBaseline(store: Pick<RegistryStore, 'getModelVersion'> & Pick<EvaluationStore, 'listEvaluations'>) {
  return async (model: string, suite: { readonly name: string; readonly version: number }): Promise<Readonly<Record<string, number>> | null> => {
    const ref = parseModelRef(model);
    if (!ref) return null;
    const version = await store.getModelVersion(ref.model, ref.ref);
    if (!version) return null;
    return (await resultOn(store, version.checkpointId, suite.name, suite.version))?.result?.values ?? null;
  };
}
