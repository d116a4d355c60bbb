/**
 * Where an evaluation's baseline comes from. A suite's fixed reference result (`baseline.values`)
 * is read here; a model version's results (`baseline.model`) need the registry, which passes
 * its resolver to `createEvaluator` (`modelBaseline`). Without one, such a suite has no
 * baseline and its verdicts with change thresholds are `no-baseline`.
 */
import type { EvalSuite } from '../core/eval-suite.ts';

export interface ResolvedBaseline {
  readonly label: string;
  readonly values: Readonly<Record<string, number>>;
}

/**
 * The results of the suite on a model version (`chat@production`): metric → value, or null
 * when that version has no evaluation by the suite (or no such version).
 */
export type ModelBaselineResolver = (model: string, suite: EvalSuite) => Promise<Readonly<Record<string, number>> | null>;

export async function resolveBaseline(suite: EvalSuite, modelBaseline: ModelBaselineResolver | null): Promise<ResolvedBaseline | null> {
  const b = suite.baseline;
  if (!b) return null;
  if (b.values) return { label: b.label, values: b.values };
  if (b.model && modelBaseline) {
    const values = await modelBaseline(b.model, suite);
    return values ? { label: b.label === 'baseline' ? b.model : b.label, values } : null;
  }
  return null;
}
