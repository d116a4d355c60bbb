/**
 * Curriculum files (`trainyard curriculum apply FILE`): YAML or JSON, read with positions so that
 * every error says file:line:column and the field. Relative `cwd`s (`job.cwd`, each level's
 * `job.cwd` and `generate.cwd`) are resolved against the file's directory; a missing `job.cwd` is
 * the file's directory. The spec is validated here (core/curriculum.ts) before it is sent; the
 * server validates it again, with what only it knows (the suites).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseCurriculum } from '../core/curriculum.ts';
import { ValidationError } from '../core/errors.ts';
import { parseYamlWithPositions, type Position } from '../core/yaml-positions.ts';
import { FileError, stripFieldPrefix } from './io.ts';

export interface CurriculumFile {
  readonly path: string;
  /** The file's spec with its cwds made absolute; validated. */
  readonly spec: Record<string, unknown>;
  /** The position of a field, or of the nearest enclosing field the file holds. */
  locate(field: string): Position | null;
  /** A FileError for a problem with `field` (a ValidationError of the core, or the server's). */
  problem(field: string | null, message: string): FileError;
}

export function loadCurriculumFile(file: string, cwd: string): CurriculumFile {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileError(file, null, null, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message);
  }
  const parsed = parseYamlWithPositions(text, { json: /\.json$/i.test(path) });
  if (parsed.problem) throw new FileError(file, parsed.problem.line, parsed.problem.column, parsed.problem.message);
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FileError(file, 1, 1, 'a curriculum file holds a mapping (name, metric, promote, job, levels, …)');
  }
  const locate = (field: string): Position | null => {
    const parts = field.split('.');
    for (let n = parts.length; n > 0; n--) {
      const at = parsed.locate(parts.slice(0, n).join('.'));
      if (at) return at;
    }
    return null;
  };
  const problem = (field: string | null, message: string) => {
    const at = field ? locate(field) : null;
    return new FileError(file, at?.line ?? null, at?.column ?? null, `${field ? `${field}: ` : ''}${stripFieldPrefix(message, field)}`, field);
  };
  const spec = withAbsoluteCwds(value as Record<string, unknown>, dirname(path));
  try {
    parseCurriculum(spec);
  } catch (error) {
    if (error instanceof ValidationError) throw problem(error.field, error.message);
    throw error;
  }
  return { path, spec, locate, problem };
}

function withAbsoluteCwds(spec: Record<string, unknown>, base: string): Record<string, unknown> {
  const fix = (job: unknown, fallback: string | null): unknown => {
    if (job === null || typeof job !== 'object' || Array.isArray(job)) return job;
    const j = job as Record<string, unknown>;
    if (typeof j.cwd === 'string') return isAbsolute(j.cwd) ? j : { ...j, cwd: resolve(base, j.cwd) };
    return j.cwd === undefined && fallback !== null ? { ...j, cwd: fallback } : j;
  };
  const levels = Array.isArray(spec.levels)
    ? spec.levels.map((level) => {
      if (level === null || typeof level !== 'object' || Array.isArray(level)) return level;
      const l = level as Record<string, unknown>;
      return { ...l, ...(l.job !== undefined ? { job: fix(l.job, null) } : {}), ...(l.generate !== undefined ? { generate: fix(l.generate, null) } : {}) };
    })
    : spec.levels;
  return { ...spec, ...(spec.job !== undefined ? { job: fix(spec.job, base) } : {}), ...(levels !== undefined ? { levels } : {}) };
}
