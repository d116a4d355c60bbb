/**
 * Metric series as the API reads them, and the batch a run reports them in
 * (`/api/v1/runs/:runId/metrics`, `/api/v1/jobs/:id/metrics…`).
 */
import { z } from 'zod';
import { jsonNumber, seriesValue, type Wire } from './wire.ts';

export const seriesInfoSchema = z
  .object({
    key: z.string(),
    count: z.number().int(),
    firstStep: z.number(),
    lastStep: z.number(),
    lastValue: jsonNumber,
    min: jsonNumber.describe('NaN ignored; null when every value is NaN'),
    max: jsonNumber,
  })
  .meta({ id: 'SeriesInfo', description: 'A summary of one metric series of a job' });

export const seriesListSchema = z.object({ series: z.array(seriesInfoSchema) });

export const seriesPointsSchema = z
  .object({
    key: z.string(),
    bucketed: z.literal(false).optional().describe('absent: the points are raw (tells this answer from a bucketed one)'),
    steps: z.array(z.number()),
    values: z.array(seriesValue),
    times: z.array(z.number()).describe('epoch ms'),
  })
  .meta({ id: 'SeriesPoints', description: 'Every point of the range (it held at most `buckets` points)' });

export const bucketedSeriesSchema = z
  .object({
    key: z.string(),
    bucketed: z.literal(true),
    steps: z.array(z.number()).describe('the step of the last point in each bucket'),
    min: z.array(seriesValue),
    max: z.array(seriesValue),
    last: z.array(seriesValue),
    count: z.array(z.number().int()).describe('points in each bucket'),
  })
  .meta({ id: 'BucketedSeries', description: 'min/max/last per non-empty bucket, when the range held more points than `buckets`' });

export const seriesSchema = z.union([seriesPointsSchema, bucketedSeriesSchema]);

/** A reported value: a number, null (NaN), or NaN and the infinities spelled as strings. */
const batchValue = z.union([z.number(), z.null(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

const seriesColumns = z.object({
  steps: z.array(z.number()),
  values: z.array(batchValue),
  times: z.array(z.number()).optional().describe('epoch ms; default: the time the server received the batch'),
});

/** The batch a run reports (documents the body; the route checks it with a faster hand-written parser). */
export const metricBatchSchema = z.object({
  batchId: z.string().optional().describe('client-chosen id; a repeated id is accepted once'),
  series: z.record(z.string(), seriesColumns).optional().describe('columnar form (preferred)'),
  rows: z
    .array(z.object({ step: z.number(), time: z.number().optional(), metrics: z.record(z.string(), batchValue) }))
    .optional()
    .describe('row form'),
});

export const metricWriteSchema = z.object({
  accepted: z.number().int().describe('points written'),
  duplicate: z.boolean().describe('the batch id was accepted before: nothing was written'),
});

export type SeriesInfo = Wire<typeof seriesInfoSchema>;
export type SeriesPointsResponse = Wire<typeof seriesPointsSchema>;
export type BucketedSeriesResponse = Wire<typeof bucketedSeriesSchema>;
export type SeriesResponse = Wire<typeof seriesSchema>;
export type MetricsBatch = z.input<typeof metricBatchSchema>;
export type MetricWriteAnswer = Wire<typeof metricWriteSchema>;
