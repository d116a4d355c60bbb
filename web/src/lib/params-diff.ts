/**
 * Side-by-side params of several runs: nested objects flattened to dotted keys, one row per
 * key, flagged when the runs disagree. Also which way a metric is better, for "best checkpoint".
 */

export interface ParamRow {
  readonly key: string;
  /** One display string per run; "" where the run lacks the key. */
  readonly values: string[];
  readonly differs: boolean;
}

/** `{opt: {lr: 0.1}, layers: [2, 3]}` → `{"opt.lr": "0.1", "layers": "[2,3]"}`. */
export function flattenParams(params: Readonly<Record<string, unknown>> | null | undefined, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(params ?? {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenParams(v as Record<string, unknown>, key, out);
    else out[key] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** Rows sorted by key: those that differ first when `differentFirst`. */
export function diffParams(runs: readonly (Readonly<Record<string, unknown>> | null | undefined)[], differentFirst = true): ParamRow[] {
  const flat = runs.map((p) => flattenParams(p));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const rows = keys.map((key) => {
    const values = flat.map((f) => f[key] ?? '');
    return { key, values, differs: new Set(values).size > 1 };
  });
  return differentFirst ? [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)] : rows;
}

/** Metrics where higher is better; anything else (loss, error, perplexity…) is lower-better. */
const HIGHER_IS_BETTER = /(acc|accuracy|score|reward|return|f1|auc|precision|recall|bleu|rouge|map|iou|success)/i;

export function goalFor(key: string): 'min' | 'max' {
  return HIGHER_IS_BETTER.test(key) && !/loss|err/i.test(key) ? 'max' : 'min';
}
