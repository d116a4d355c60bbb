/**
 * Parsing a target's `config` with its kind's zod schema: the first issue becomes a
 * ValidationError naming the field under `config` ("config.url: expected a string, got the
 * number 5"), in the wording every Trainyard schema uses (core/issue-message.ts).
 */
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';
import { closestIssue, describeIssue, issueField } from '../../core/issue-message.ts';

/** Parses `config` with `schema`; throws ValidationError (code `invalid_target`) naming `config.<field>`. */
export function parseTargetConfig<T extends z.ZodType>(schema: T, config: unknown): z.output<T> {
  const result = schema.safeParse(config ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const issue = closestIssue(result.error.issues[0]);
  const field = issueField(issue);
  throw new ValidationError(describeIssue(issue), field ? `config.${field}` : 'config', { code: 'invalid_target' });
}

/** An http(s) URL. */
export const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, { message: 'expected an http:// or https:// URL' });

/** Seconds a request or a command may take. */
export const timeoutSeconds = z.number().positive().max(3600);

/** Header name → value. */
export const headers = z.record(z.string(), z.string());
