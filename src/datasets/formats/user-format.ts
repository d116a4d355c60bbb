/**
 * User-defined formats: a JSON Schema for each JSONL row (validated with ajv, draft 2020-12, or
 * draft-07 when the schema's `$schema` says so; an unknown keyword is an error, so a misspelt one
 * is not a silently ignored rule), plus extra rules a row schema cannot state:
 * - `unique`: fields (or `a+b` combinations) whose values must not repeat across rows;
 * - `textFields`: which fields count as text (default: every top-level string field);
 * - `promptField` / `answerField`: what the leakage check compares.
 *
 * A definition file:
 * ```json
 * {"name": "schedule-v1", "schema": {"type": "object", "required": ["order_id", "hours"],
 *   "properties": {"order_id": {"type": "string", "pattern": "^WO-[0-9]+$"},
 *                  "hours": {"type": "number", "minimum": 0, "maximum": 500}}},
 *  "unique": ["order_id"]}
 * ```
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { DATASET_NAME, type FormatDefinition } from '../../core/datasets.ts';
import { ValidationError } from '../../core/errors.ts';
import { validationErrorFrom } from '../../core/job-spec.ts';
import { type FormatSpec, isBlank, isObject, type RowContent, type TextPart } from './format.ts';

const FIELD_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

export const formatDefinitionInput = z.strictObject({
  name: z.string().regex(DATASET_NAME, 'letters, digits, ".", "_" and "-", starting with a letter or digit'),
  description: z.string().max(500).optional(),
  schema: z.record(z.string(), z.unknown()),
  textFields: z.array(z.string().regex(FIELD_PATH, 'a field name or dotted path')).max(100).optional(),
  promptField: z.string().regex(FIELD_PATH, 'a field name or dotted path').optional(),
  answerField: z.string().regex(FIELD_PATH, 'a field name or dotted path').optional(),
  unique: z.array(z.string().regex(/^[A-Za-z0-9_$.+-]+$/, 'field names joined by "+"')).max(20).optional(),
});

/**
 * Checks a definition: its shape, and that its schema compiles. Throws `ValidationError`
 * naming the field (`schema` for a schema ajv refuses, with ajv's message).
 */
export function parseFormatDefinition(input: unknown): FormatDefinition {
  const result = formatDefinitionInput.safeParse(input);
  if (!result.success) throw validationErrorFrom(result.error, 'invalid_format');
  compileSchema(result.data.schema);
  return result.data;
}

function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  const draft07 = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07');
  // strictSchema: an unknown keyword ("propertise") is an error, not a rule silently ignored.
  const options = { allErrors: true, strictSchema: true, strictNumbers: true, strictTypes: false, strictTuples: false, strictRequired: false, allowUnionTypes: true };
  try {
    return (draft07 ? new Ajv(options) : new Ajv2020(options)).compile(schema);
  } catch (error) {
    throw new ValidationError(`the JSON Schema does not compile: ${(error as Error).message}`, 'schema', { code: 'invalid_format', cause: error });
  }
}

/** A format from a checked definition. */
export function createUserFormat(definition: FormatDefinition): FormatSpec {
  const validate = compileSchema(definition.schema);
  const unique = (definition.unique ?? []).map((key) => key.split('+'));
  return {
    name: definition.name,
    description: definition.description ?? 'user-defined (JSON Schema)',
    builtin: false,
    container: () => 'jsonl',
    createChecker: () => ({
      check(row, sink): RowContent | null {
        if (!isObject(row)) return null;
        if (!validate(row)) {
          for (const error of validate.errors ?? []) sink.issue('schema', fieldOf(error), messageOf(error));
          return null;
        }
        const parts: TextPart[] = [];
        const prompt = definition.promptField;
        const answer = definition.answerField;
        const fields = definition.textFields ?? Object.keys(row).filter((k) => typeof row[k] === 'string');
        for (const field of fields) {
          const value = valueAt(row, field);
          if (typeof value !== 'string') continue;
          if (isBlank(value)) sink.issue('empty-content', field, value.length === 0 ? 'empty string' : 'whitespace only');
          parts.push({ field, kind: field === prompt ? 'prompt' : field === answer ? 'answer' : 'other', text: value });
        }
        for (const [field, kind] of [[prompt, 'prompt'], [answer, 'answer']] as const) {
          if (field === undefined || fields.includes(field)) continue;
          const value = valueAt(row, field);
          if (typeof value === 'string') parts.push({ field, kind, text: value });
        }
        const keys = unique.map((names) => [names.join('+'), names.map((n) => JSON.stringify(valueAt(row, n) ?? null)).join('\u0000')] as const);
        return { parts, keys };
      },
    }),
  };
}

/** `a.b` of a row; undefined when absent. */
export function valueAt(row: Record<string, unknown>, path: string): unknown {
  let value: unknown = row;
  for (const key of path.split('.')) {
    if (!isObject(value)) return undefined;
    value = value[key];
  }
  return value;
}

/** ajv's `/messages/0/role` as `messages[0].role`; the missing property for `required`. */
function fieldOf(error: ErrorObject): string | null {
  let path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
  const extra = error.keyword === 'required' ? error.params.missingProperty
    : error.keyword === 'additionalProperties' ? error.params.additionalProperty
    : null;
  if (typeof extra === 'string') path = path ? `${path}.${extra}` : extra;
  return path || null;
}

function messageOf(error: ErrorObject): string {
  if (error.keyword === 'required') return `missing required field ${JSON.stringify(error.params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') return `field ${JSON.stringify(error.params.additionalProperty)} is not allowed`;
  if (error.keyword === 'enum') return `${error.message}: ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return error.message ?? error.keyword;
}
