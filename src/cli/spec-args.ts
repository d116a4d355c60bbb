/**
 * Turns `submit`'s flags into a job spec (pure; no I/O). Flags override a job file's fields;
 * `--env` and `--param` are merged into the file's, `--tag` adds to its tags.
 */
import { resolve } from 'node:path';
import type { JobSpecInput, PriorityInput } from '../sdk/client.ts';
import { UsageError } from './io.ts';

/** `submit`'s spec flags as commander hands them over (strings, unparsed). */
export interface SpecFlags {
  name?: string;
  gpus?: string;
  cpus?: string;
  cwd?: string;
  env?: string[];
  param?: string[];
  maxRetries?: string;
  keep?: string;
  grace?: string;
  tag?: string[];
  shell?: boolean;
  priority?: string;
  preemptible?: boolean;
  after?: string[];
  timeLimit?: string;
  /** `model:NAME@ALIAS`, `model:NAME:VERSION`, `job:N[:best]`, `checkpoint:N`: checked by the server. */
  from?: string;
}

/** The spec fields (dotted, as the server names them) that these flags set. */
export function flaggedFields(flags: SpecFlags): string[] {
  const fields: string[] = [];
  if (flags.name !== undefined) fields.push('name');
  if (flags.gpus !== undefined) fields.push('resources.gpus');
  if (flags.cpus !== undefined) fields.push('resources.cpus');
  if (flags.cwd !== undefined) fields.push('cwd');
  if (flags.maxRetries !== undefined) fields.push('maxRetries');
  if (flags.keep !== undefined) fields.push('keepCheckpoints');
  if (flags.grace !== undefined) fields.push('stopGraceSeconds');
  if (flags.shell) fields.push('shell', 'command');
  if (flags.priority !== undefined) fields.push('priority');
  if (flags.preemptible) fields.push('preemptible');
  if (flags.after?.length) fields.push('after');
  if (flags.timeLimit !== undefined) fields.push('timeLimitSeconds');
  if (flags.from !== undefined) fields.push('from');
  return fields;
}

/**
 * The spec of `submit [flags] -- CMD…`: `argv` is the command; with `--shell` its words are
 * joined into one shell script. `cwd` (the submitter's directory) resolves a relative `--cwd`.
 */
export function buildInlineSpec(flags: SpecFlags, argv: readonly string[], cwd: string): JobSpecInput {
  if (argv.length === 0) throw new UsageError('no command after `--`: trainyard submit [options] -- CMD…');
  const base: Record<string, unknown> = { command: flags.shell ? argv.join(' ') : [...argv], cwd };
  if (flags.shell) base.shell = true;
  return applyFlags(base, flags, cwd);
}

/** A job file's spec with the flags applied on top. `cwd` resolves a relative `--cwd`. */
export function applyFlags(base: Record<string, unknown>, flags: SpecFlags, cwd: string): JobSpecInput {
  const spec: Record<string, unknown> = { ...base };
  if (flags.name !== undefined) spec.name = flags.name;
  if (flags.cwd !== undefined) spec.cwd = resolve(cwd, flags.cwd);
  if (flags.shell && !('shell' in base)) {
    spec.shell = true;
    if (Array.isArray(spec.command)) spec.command = spec.command.join(' ');
  }
  if (flags.gpus !== undefined || flags.cpus !== undefined) {
    const resources = isRecord(spec.resources) ? { ...spec.resources } : {};
    if (flags.gpus !== undefined) resources.gpus = parseCount(flags.gpus, '--gpus');
    if (flags.cpus !== undefined) resources.cpus = parseCount(flags.cpus, '--cpus');
    spec.resources = resources;
  }
  if (flags.env?.length) {
    const env = isRecord(spec.env) ? { ...spec.env } : {};
    for (const item of flags.env) {
      const [key, value] = splitPair(item, '--env');
      env[key] = value;
    }
    spec.env = env;
  }
  if (flags.param?.length) {
    const params = isRecord(spec.params) ? { ...spec.params } : {};
    for (const item of flags.param) {
      const [key, value] = splitPair(item, '--param');
      params[key] = parseParamValue(value);
    }
    spec.params = params;
  }
  if (flags.maxRetries !== undefined) spec.maxRetries = parseCount(flags.maxRetries, '--max-retries');
  if (flags.keep !== undefined) spec.keepCheckpoints = parseCount(flags.keep, '--keep');
  if (flags.grace !== undefined) spec.stopGraceSeconds = parsePositive(flags.grace, '--grace');
  if (flags.tag?.length) spec.tags = [...(Array.isArray(spec.tags) ? spec.tags : []), ...flags.tag];
  if (flags.priority !== undefined) spec.priority = parsePriority(flags.priority);
  if (flags.preemptible) spec.preemptible = true;
  if (flags.after?.length) spec.after = flags.after.map((id) => parseCount(id, '--after'));
  if (flags.timeLimit !== undefined) spec.timeLimitSeconds = parsePositive(flags.timeLimit, '--time-limit');
  if (flags.from !== undefined) spec.from = flags.from;
  return spec as unknown as JobSpecInput;
}

/** "K=V" → [K, V]; V may hold "=" and be empty, K may not be empty. */
export function splitPair(item: string, flag: string): [string, string] {
  const at = item.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag} expects KEY=VALUE, got "${item}"`);
  return [item.slice(0, at), item.slice(at + 1)];
}

/** A param value: JSON when it parses (0.01, true, [1,2], "quoted"), else the plain string. */
export function parseParamValue(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A whole number ≥ 0. */
export function parseCount(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} expects a whole number ≥ 0, got "${text}"`);
  return Number(text);
}

/** A number > 0 (fractions allowed). */
export function parsePositive(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} expects a number > 0, got "${text}"`);
  return value;
}

/** A job id: a whole number ≥ 1. */
export function parseJobId(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`a job id is a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `high`, `7`, `low:-2`: not checked here: the server checks the class and range, naming the field. */
export function parsePriority(text: string): PriorityInput {
  const [cls, value] = text.split(':');
  if (value !== undefined) return { class: cls, value: Number(value) } as PriorityInput;
  return /^-?\d+$/.test(text) ? Number(text) : (text as PriorityInput);
}
