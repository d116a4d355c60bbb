/**
 * Datasets, versions, validation reports and formats as the API sends them
 * (`/api/v1/datasets…`), and the bodies those routes read. The JSON forms of
 * `core/datasets.ts`.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { VALIDATION_LEVELS } from '../datasets.ts';
import { jobStateSchema, runStateSchema } from './jobs.ts';
import type { Wire } from './wire.ts';

const level = z.enum(VALIDATION_LEVELS);
const levelCounts = z.object({ quick: z.number().int(), standard: z.number().int(), deep: z.number().int() });
const levelStatus = z.enum(['passed', 'failed', 'unchecked']);

export const validationSettingsSchema = z
  .object({
    charsPerToken: z.number(),
    maxTokens: z.number().int(),
    maxLineBytes: z.number().int(),
    nearDuplicateThreshold: z.number(),
    shingleWords: z.number().int(),
    ngramWords: z.number().int(),
    leakageMinWords: z.number().int(),
    sampleBytes: z.number().int(),
  })
  .meta({ id: 'ValidationSettings' });

const evalSetResult = z.object({
  ref: z.string().describe('name@version, or the path of an unregistered file'),
  sha256: z.string().nullable(),
  rows: z.number().int(),
  contaminatedRows: z.number().int().describe('training rows sharing an n-gram with a row of this eval set'),
});

const issueExample = z.object({
  file: z.string(),
  line: z.number().int().nullable(),
  field: z.string().nullable().describe('dotted path, e.g. messages[2].content'),
  message: z.string(),
  offset: z.number().int().optional(),
  other: z.object({ file: z.string(), line: z.number().int(), dataset: z.string().optional() }).optional(),
});

export const validationReportSchema = z
  .object({
    format: z.string(),
    level,
    passed: z.boolean().describe('no rule of severity error fired'),
    errors: z.number().int(),
    warnings: z.number().int(),
    errorsByLevel: levelCounts,
    rows: z.number().int(),
    rowsEstimated: z.boolean(),
    rowsSampled: z.number().int().optional().describe('present when only a sample was read'),
    bytes: z.number().int(),
    files: z.array(z.object({
      path: z.string(),
      bytes: z.number().int(),
      rows: z.number().int(),
      compression: z.literal('gzip').nullable(),
      bom: z.boolean(),
      lineEndings: z.enum(['lf', 'crlf', 'mixed', 'none']),
    })),
    rules: z.array(z.object({
      rule: z.string(),
      severity: z.enum(['error', 'warning']),
      level,
      count: z.number().int(),
      description: z.string(),
      examples: z.array(issueExample),
    })).describe('rules that fired, errors first, then by count'),
    stats: z.object({
      fields: z.array(z.object({
        field: z.string(),
        count: z.number().int(),
        empty: z.number().int(),
        minChars: z.number(),
        maxChars: z.number(),
        meanChars: z.number(),
      })),
      tokens: z.object({ min: z.number(), max: z.number(), mean: z.number(), p50: z.number(), p95: z.number(), total: z.number() }).nullable(),
      roles: z.record(z.string(), z.number().int()),
    }),
    evalSets: z.array(evalSetResult),
    settings: validationSettingsSchema,
    durationMs: z.number(),
    summary: z.string(),
  })
  .meta({ id: 'ValidationReport', description: 'See docs/datasets.md' });

export const validationRecordSchema = z
  .object({
    id: z.number().int(),
    versionId: z.number().int(),
    level,
    passed: z.boolean(),
    errors: z.number().int(),
    warnings: z.number().int(),
    errorsByLevel: levelCounts,
    evalSets: z.array(evalSetResult),
    summary: z.string(),
    createdAt: z.number(),
  })
  .meta({ id: 'ValidationRecord' });

const versionFields = {
  id: z.number().int(),
  name: z.string(),
  version: z.number().int(),
  sha256: z.string(),
  format: z.string(),
  bytes: z.number().int(),
  files: z.number().int(),
  rows: z.number().int(),
  rowsExact: z.boolean(),
  source: z.string().describe('the path it was registered from'),
  path: z.string().describe('the registered copy, relative to <dataDir>/datasets/'),
  createdAt: z.number(),
  levels: z.object({ quick: levelStatus, standard: levelStatus, deep: levelStatus }),
};

export const datasetVersionSchema = z
  .object({ ...versionFields, validations: z.array(validationRecordSchema).describe('oldest first') })
  .meta({ id: 'DatasetVersion' });

export const datasetSummarySchema = z
  .object({ name: z.string(), versions: z.number().int(), latest: datasetVersionSchema })
  .meta({ id: 'DatasetSummary' });

export const datasetListSchema = z.object({ datasets: z.array(datasetSummarySchema).describe('by name') });
export const datasetVersionsSchema = z.object({ name: z.string(), versions: z.array(datasetVersionSchema).describe('oldest first') });

export const registeredDatasetSchema = datasetVersionSchema
  .extend({ created: z.boolean().describe('false: the name already held this content'), report: validationReportSchema })
  .meta({ id: 'RegisteredDataset' });

export const checkedDatasetSchema = datasetVersionSchema.extend({ report: validationReportSchema });

export const datasetDetailSchema = z
  .object({ ...versionFields, validations: z.array(validationRecordSchema.extend({ report: validationReportSchema.nullable() })) })
  .meta({ id: 'DatasetDetail' });

export const datasetRunsSchema = z.object({
  dataset: z.string().describe('name@version'),
  sha256: z.string(),
  runs: z.array(z.object({
    versionId: z.number().int(),
    jobId: z.number().int(),
    runId: z.number().int(),
    role: z.string(),
    createdAt: z.number(),
    jobName: z.string().nullable(),
    jobState: jobStateSchema.nullable(),
    attempt: z.number().int().nullable(),
    runState: runStateSchema.nullable(),
  })).describe('oldest first'),
});

export const formatDefinitionSchema = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()).describe('JSON Schema of one JSONL row'),
    textFields: z.array(z.string()).optional(),
    promptField: z.string().optional(),
    answerField: z.string().optional(),
    unique: z.array(z.string()).optional(),
  })
  .meta({ id: 'FormatDefinition' });

const builtinFormat = z.object({ name: z.string(), description: z.string(), builtin: z.literal(true) });

export const formatListSchema = z.object({
  formats: z.array(z.union([
    builtinFormat,
    z.object({ name: z.string(), description: z.string(), builtin: z.literal(false), sha256: z.string(), createdAt: z.number() }),
  ])),
});

export const storedFormatSchema = z
  .object({ name: z.string(), definition: formatDefinitionSchema, sha256: z.string(), createdAt: z.number(), builtin: z.literal(false) })
  .meta({ id: 'StoredFormat' });

export const formatSchema = z.union([builtinFormat, storedFormatSchema]);

// Bodies.

const evalRefs = z.array(z.string().min(1).max(200)).max(50).describe('registered eval sets, name or name@version (depth deep)');
const settingsInput = z
  .strictObject({
    charsPerToken: z.number().positive(),
    maxTokens: z.number().int().positive(),
    maxLineBytes: z.number().int().positive(),
    nearDuplicateThreshold: z.number().positive().max(1),
    shingleWords: z.number().int().positive().max(50),
    ngramWords: z.number().int().positive().max(100),
    leakageMinWords: z.number().int().positive(),
    sampleBytes: z.number().int().positive(),
  })
  .partial()
  .describe('validation settings; defaults in docs/datasets.md');
const absolutePath = z.string().min(1).max(4096).refine(isAbsolute, 'must be an absolute path on the server');

export const registerDatasetInputSchema = z.strictObject({
  name: z.string().min(1).max(100),
  path: absolutePath,
  format: z.string().min(1).max(100),
  level: level.default('standard'),
  eval: evalRefs.optional(),
  settings: settingsInput.optional(),
});

export const validateInputSchema = registerDatasetInputSchema.omit({ name: true });

export const checkInputSchema = z.strictObject({ level, eval: evalRefs.optional(), settings: settingsInput.optional() });

export type DatasetVersion = Wire<typeof datasetVersionSchema>;
export type DatasetSummary = Wire<typeof datasetSummarySchema>;
export type ValidationReport = Wire<typeof validationReportSchema>;
export type ValidationRecord = Wire<typeof validationRecordSchema>;
export type RegisteredDataset = Wire<typeof registeredDatasetSchema>;
export type CheckedDataset = Wire<typeof checkedDatasetSchema>;
export type DatasetDetail = Wire<typeof datasetDetailSchema>;
export type DatasetRuns = Wire<typeof datasetRunsSchema>;
export type DatasetRunUse = DatasetRuns['runs'][number];
export type ApiFormat = Wire<typeof formatSchema>;
export type ListedFormat = Wire<typeof formatListSchema>['formats'][number];
export type RegisterDatasetInput = z.input<typeof registerDatasetInputSchema>;
export type ValidateInput = z.input<typeof validateInputSchema>;
export type CheckInput = z.input<typeof checkInputSchema>;
