/**
 * The dataset step of a template with `dataset:`: the dropped file becomes a registered,
 * content-addressed dataset version (src/datasets' `registerDataset`, validated at the
 * template's depth, report kept), linked to its inbox record, and the job names that version.
 *
 *   processing/f ──registerDataset──► version N (passed or failed, with its report)
 *                ──linkInboxDataset──► the record names it ──► passed: the job's datasets.<role>
 *                                                          └─► failed: failed/ with the first problems
 *
 * After a crash: a linked file is not registered again (its version and report are read back);
 * a file registered but not yet linked registers again and gets the same version (content
 * addressing), with the validation recorded twice. Either way it is one version.
 */
import { formatDatasetRef, levelStatus, type DatasetVersion, type ValidationReport } from '../core/datasets.ts';
import { ConflictError, ValidationError } from '../core/errors.ts';
import { registerDataset } from '../datasets/register.ts';
import type { InboxFile, Store } from '../store/store.ts';
import { validationFailedReason } from './file-state.ts';
import type { TemplateDataset } from './template.ts';

export interface DatasetStepDeps {
  readonly store: Store;
  /** `<dataDir>/datasets`. */
  readonly datasetDir: string;
  readonly now: () => number;
}

/** `ready`: the job gets `ref` (`name@version`). `failed`: the file goes to failed/ with `reason`. */
export type DatasetStep =
  | { readonly kind: 'ready'; readonly ref: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly report?: ValidationReport };

/**
 * Registers the file at `path` (in processing/) as a version of `name`, or reads back the
 * version it became before a restart. Refusals of the registration (an unknown format, content
 * the name holds under another format, a file that changed while copied) are `failed`; other
 * errors (I/O) are thrown, and the step runs again on the next tick.
 */
export async function datasetStep(deps: DatasetStepDeps, file: InboxFile, path: string, name: string, dataset: TemplateDataset): Promise<DatasetStep> {
  let version: DatasetVersion;
  let report: ValidationReport | null = null;
  if (file.dataset !== null) {
    const linked = await deps.store.getDataset(file.dataset.name, file.dataset.version);
    if (linked === null) return { kind: 'failed', reason: `dataset version ${formatDatasetRef(file.dataset.name, file.dataset.version)} it became no longer exists` };
    version = linked;
  } else {
    try {
      ({ version, report } = await registerDataset(deps, { name, path, format: dataset.format, level: dataset.depth }));
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
      return { kind: 'failed', reason: `cannot be registered as dataset ${name}: ${error.message}` };
    }
    await deps.store.linkInboxDataset(file.id, version.id, deps.now());
  }
  const ref = formatDatasetRef(version.name, version.version);
  if (levelStatus(version.validations, dataset.depth) === 'passed') return { kind: 'ready', ref };
  report ??= await lastReport(deps.store, version, dataset.depth);
  const reason = report ? validationFailedReason(report) : `validation failed (${dataset.format}, ${dataset.depth})`;
  return { kind: 'failed', reason: `${reason} (registered as ${ref})`, report: report ?? undefined };
}

/** The report of the latest validation at `depth` (else the latest of any), for the reason. */
async function lastReport(store: Store, version: DatasetVersion, depth: string): Promise<ValidationReport | null> {
  const record = version.validations.filter((v) => v.level === depth).at(-1) ?? version.validations.at(-1);
  return record ? store.getValidationReport(record.id) : null;
}
