/**
 * Checks made before a local run is started, so that a wrong script path or working directory is
 * reported as a configuration error with a clear message instead of a cryptic exit code 127.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** Returns a message naming the problem, or null when the command can be started. */
export function preflight(argv: readonly string[], cwd: string, env: Readonly<Record<string, string>>): string | null {
  try {
    if (!statSync(cwd).isDirectory()) return `working directory ${cwd} is not a directory`;
  } catch {
    return `working directory ${cwd} does not exist`;
  }
  const program = argv[0];
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : resolve(cwd, program);
    return executable(path) ? null : `command ${program} not found or not executable (looked at ${path})`;
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  if (dirs.some((dir) => executable(join(dir, program)))) return null;
  return `command ${program} not found on PATH`;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
