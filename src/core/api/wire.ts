/**
 * What every schema of the HTTP contract shares: the type a response schema stands for, and
 * the numbers JSON cannot carry.
 */
import { z } from 'zod';

/** `T` with every object field and array read-only, all the way down. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/**
 * The JSON a response schema describes, as a TypeScript type: its output, read-only (what a
 * client reads, and what a route may return: domain records are read-only).
 */
export type Wire<S extends z.ZodType> = DeepReadonly<z.output<S>>;

/**
 * A number JSON may carry as null: JSON has no NaN or infinities, and the server writes them
 * as null (a metric that went NaN, the min of a series of NaNs).
 */
export const jsonNumber = z.number().nullable();

/** A metric value in a series answer: a number, or NaN and the infinities spelled as strings. */
export const seriesValue = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

/** Epoch milliseconds. */
export const epochMs = z.number().describe('epoch ms');

/**
 * A JSON answer with a sentence of its own: for a route's `schema.response`, where the shared
 * schema (referenced by name in the document) needs saying what it holds here.
 */
export function answer<S extends z.ZodType>(description: string, schema: S) {
  return { description, content: { 'application/json': { schema } } } as const;
}
