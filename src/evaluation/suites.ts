/**
 * Saving a suite: validate the definition (core/eval-suite.ts), pin its datasets to the
 * versions registered now (as a job's are at submit, so every evaluation of the suite reads the
 * same data), and store it as its first or next version.
 */
import { parseEvalSuite, type EvalSuite, type EvalSuiteSpec } from '../core/eval-suite.ts';
import type { JobSpec } from '../core/types.ts';
import { resolveJobDatasets } from '../datasets/job-datasets.ts';
import type { DatasetStore, EvaluationStore } from '../store/store.ts';

export interface SaveSuiteOptions {
  /** Save a changed definition as the next version instead of refusing it. Default: false. */
  readonly replace?: boolean;
}

/**
 * Validates, pins and saves a suite. Throws ValidationError naming the field (code
 * `invalid_suite`; `dataset_not_ready` for a dataset not registered or not validated), or
 * ConflictError for a changed definition without `replace`.
 */
export async function saveSuite(
  store: EvaluationStore & DatasetStore,
  input: unknown,
  now: number,
  options: SaveSuiteOptions = {},
): Promise<{ suite: EvalSuite; created: boolean }> {
  const spec = await pinDatasets(store, parseEvalSuite(input));
  return store.saveEvalSuite(spec, now, { replace: options.replace ?? false });
}

/** The suite with each dataset pinned to `name@version`, checked as a job's are (standard depth). */
async function pinDatasets(store: DatasetStore, spec: EvalSuiteSpec): Promise<EvalSuiteSpec> {
  if (!spec.datasets) return spec;
  // The datasets' checks read only these two fields of a job spec.
  const asJob = { datasets: spec.datasets, datasetLevel: 'standard' } as Pick<JobSpec, 'datasets' | 'datasetLevel'> as JobSpec;
  const pinned = await resolveJobDatasets(store, asJob);
  return { ...spec, datasets: pinned.datasets };
}
