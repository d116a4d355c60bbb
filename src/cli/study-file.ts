/**
 * Study files (docs/studies.md): YAML (or JSON) read with positions, `job.cwd` resolved against
 * the file's directory (a missing one is that directory), then validated and expanded here as
 * the server will, so an error names the file, line and field before anything is sent.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import { parseStudySpec, parseStudyYaml, positioned, StudyFileError, type StudyFile } from '../core/study.ts';
import { expandVariants } from '../core/study-variants.ts';
import { FileError } from './io.ts';

export interface LoadedStudy {
  /** The spec to send, `job.cwd` absolute. */
  readonly spec: Record<string, unknown>;
  /** A FileError at the line of a field (a 400 from the server). */
  problem(field: string | null, message: string): FileError;
}

function fileError(error: StudyFileError): FileError {
  return new FileError(error.file, error.line, error.column, `${error.field ? `${error.field}: ` : ''}${error.detail}`, error.field);
}

/** Reads, positions and checks a study file; FileError with file:line:column and the field. */
export function loadStudyFile(path: string, cwd: string): LoadedStudy {
  const absolute = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileError(path, null, null, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message);
  }
  let file: StudyFile;
  try {
    file = parseStudyYaml(path, text);
  } catch (error) {
    if (error instanceof StudyFileError) throw fileError(error);
    throw error;
  }
  const spec = { ...file.value };
  const job = spec.job;
  if (typeof job === 'object' && job !== null && !Array.isArray(job)) {
    const base = dirname(absolute);
    const jobCwd = (job as Record<string, unknown>).cwd;
    spec.job = { ...job, cwd: typeof jobCwd === 'string' ? resolve(base, jobCwd) : jobCwd ?? base };
  }
  const problem = (field: string | null, message: string) => fileError(positioned(path, file, new ValidationError(field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message, field)));
  try {
    expandVariants(parseStudySpec(spec));
  } catch (error) {
    if (error instanceof ValidationError) throw problem(error.field, error.message);
    throw error;
  }
  return { spec, problem };
}
