/** Messages between the server and its metric batch parser workers. */

export interface WorkerRequest {
  readonly id: number;
  /** The request body (UTF-8 JSON). */
  readonly body: Uint8Array;
  readonly now: number;
}

export type WorkerReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly batchId: string | null;
      /** [key, steps, values, times] */
      readonly series: Array<[string, Float64Array, Float64Array, Float64Array]>;
      readonly points: number;
      readonly maxStep: number | null;
      readonly latest: Record<string, { step: number; value: number }>;
    }
  | {
      readonly id: number;
      readonly ok: false;
      readonly kind: 'validation' | 'too_large' | 'json' | 'internal';
      readonly message: string;
      readonly field: string | null;
      readonly code: string | null;
    };
