/** One measured figure of a benchmark, with what it is compared against. */
export interface BenchResult {
  readonly name: string;
  readonly value: number;
  /** "points/s", "bytes/point", "ms", … */
  readonly unit: string;
  /** The same quantity measured in the same run for a simpler approach. */
  readonly baseline?: { readonly name: string; readonly value: number };
  /** The goal in words, e.g. "< 20 ms". */
  readonly target?: string;
  /** Whether `value` meets `target`; absent when there is no target. */
  readonly ok?: boolean;
}
