/**
 * A file in processing/ becomes a queued job, or goes to failed/ with its reason: a duplicate,
 * no matching template, data that fails validation, or a job spec that does not validate.
 * With a template's `dataset:`, the file is first registered as a dataset version (dataset.ts)
 * and the job names that version; `from:` is resolved when the job is created, so each file's
 * job starts from what the reference names at that moment.
 * Safe to run again on the same file after a crash: the job is created and linked in one
 * store step, which does nothing for a file already `queued`.
 */
import { join } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import { parseJobSpec } from '../core/job-spec.ts';
import { resolveJobDatasets } from '../datasets/job-datasets.ts';
import type { Job } from '../core/types.ts';
import type { InboxFile, Store } from '../store/store.ts';
import type { InboxConfig } from './config.ts';
import { datasetStep } from './dataset.ts';
import { templateJob } from './curriculum-job.ts';
import { duplicateReason } from './file-state.ts';
import type { Mover } from './mover.ts';
import { datasetNameFor, jobInputFor, matchTemplate } from './template.ts';
import { validateInboxFile, type ValidateFile } from './validate.ts';

export interface SubmitDeps {
  readonly store: Store;
  readonly mover: Mover;
  /** The inbox folder. */
  readonly root: string;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Told of each job the inbox created (to publish it and wake the dispatcher). */
  readonly jobCreated: (job: Job) => void;
  /** Default: src/datasets' validateFile when it exists, else the built-in check. */
  readonly validator?: ValidateFile | null;
  /** `<dataDir>/datasets`, where a template with `dataset:` registers each file. */
  readonly datasetDir: string;
}

/** Submits the job of a `processing` file, or sends the file to failed/. */
export async function submitFile(deps: SubmitDeps, file: InboxFile, config: InboxConfig): Promise<void> {
  const fail = async (reason: string, report?: unknown) => {
    const moved = await deps.mover.leave(file, { outcome: 'failed', reason, report });
    deps.log(`inbox: ${file.name} → ${moved.path ?? 'nowhere (vanished)'}: ${reason}`);
  };
  if (file.duplicateOf !== null) return fail(duplicateReason(await deps.store.getInboxFile(file.duplicateOf)));

  const index = matchTemplate(config.templates, file.name);
  if (index === -1) return fail(`no template in inbox.yaml matches ${file.name}`);
  const path = join(deps.root, file.path!);
  // A curriculum that does not exist fails the file before its data is registered.
  const early = await templateJob(deps.store, config.templates[index], index);
  if (early.kind === 'failed') return fail(early.reason);
  let template = early.template;

  if (template.validate) {
    const verdict = await validateInboxFile(path, template.validate, deps.validator);
    const rule = `${template.validate.format}, ${template.validate.level}`;
    if (!verdict.ok) return fail(`validation failed (${rule}): ${verdict.summary}`, verdict.report);
  }

  const vars = { file: path, name: file.name, priority: file.priority, sha256: file.sha256 };
  let datasetRef: string | undefined;
  if (template.dataset) {
    const step = await datasetStep(deps, file, path, datasetNameFor(template, vars)!, template.dataset);
    if (step.kind === 'failed') return fail(step.reason, step.report);
    datasetRef = step.ref;
  }

  if (template.curriculum !== undefined) {
    // The level is the one current when the file's job is created.
    const now = await templateJob(deps.store, config.templates[index], index);
    if (now.kind === 'failed') return fail(now.reason);
    template = now.template;
  }

  let spec;
  try {
    // The same checks as a submission through the API: dataset versions pinned and validated.
    spec = await resolveJobDatasets(deps.store, parseJobSpec(jobInputFor(template, vars, config.baseDir, datasetRef)));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return fail(`the job of template ${index} (match ${JSON.stringify(template.match)}) is invalid for this file: ${error.message}`);
  }
  let submitted;
  try {
    // `from:` is resolved to a checkpoint in this step, and refused (ValidationError) there.
    submitted = await deps.store.submitInboxJob(file.id, spec, deps.now());
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return fail(`the job of template ${index} (match ${JSON.stringify(template.match)}) cannot be submitted: ${error.message}`);
  }
  if (submitted === null) return;
  deps.log(`inbox: ${file.name} (${file.priority}) → job ${submitted.job.id} (${spec.name})`);
  deps.jobCreated(submitted.job);
}
