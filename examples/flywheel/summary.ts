/** The flywheel's closing summary: what each round did, what production and serving are now. */
import type { Round } from './round.ts';

export interface Summary {
  readonly dataDir: string;
  readonly wallSeconds: number;
  readonly rounds: readonly Round[];
  /** char-lm@production at the end. */
  readonly production: number | null;
  /** What the builtin serving process answered last, and the version it said it served. */
  readonly serving: { readonly url: string; readonly version: number | null; readonly text: string };
  /** The curriculum at the end, with its level history (oldest first). */
  readonly curriculum: {
    readonly name: string;
    readonly level: number;
    readonly levelName: string;
    readonly state: string;
    readonly history: ReadonlyArray<{ readonly fromLevel: string; readonly toLevel: string; readonly direction: string; readonly reason: string; readonly at: number }>;
  };
  readonly webhook: {
    readonly url: string;
    readonly firings: ReadonlyArray<{ readonly eventId: number | null; readonly state: string; readonly detail: string | null }>;
    /** What this run's own receiver got; null with --webhook-url. */
    readonly received: ReadonlyArray<{ readonly eventId: number | null; readonly signatureValid: boolean }> | null;
  };
}

export function formatSummary(s: Summary): string {
  const rows = s.rounds.map((r) => [
    String(r.round),
    r.file ?? '(seed.yaml)',
    r.level ?? '-',
    r.dataset ? `${r.dataset.name}@${r.dataset.version}` : '-',
    `${r.jobId}`,
    r.initFrom ? `v${r.initFrom.version}` : 'scratch',
    r.evaluation ? fmt(r.evaluation.values.accuracy) : '-',
    r.evaluation ? fmt(r.evaluation.score) : '-',
    r.decision === 'promoted' ? `promoted v${r.version}` : 'refused',
    r.productionAfter === null ? '-' : `v${r.productionAfter}`,
  ]);
  const head = ['ROUND', 'FILE', 'LEVEL', 'DATASET', 'JOB', 'FROM', 'ACCURACY', 'SCORE', 'REGISTRY', 'PRODUCTION'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const received = s.webhook.received;
  return [
    '',
    '== Summary ==',
    line(head),
    ...rows.map(line),
    '',
    ...s.rounds.map((r) => `round ${r.round}: ${r.reason}`),
    '',
    `production: char-lm v${s.production ?? '?'}; serving ${s.serving.url} answers with version ${s.serving.version ?? '?'}: "The driver ${s.serving.text.replace(/\n/g, ' ')}"`,
    `curriculum ${s.curriculum.name}: at ${s.curriculum.levelName} (level ${s.curriculum.level + 1}), ${s.curriculum.state}; ` +
      (s.curriculum.history.map((m) => `${m.direction} ${m.fromLevel} → ${m.toLevel}: ${m.reason}`).join('; ') || 'no level change'),
    `webhook ${s.webhook.url}: ${s.webhook.firings.length} firing(s): ${s.webhook.firings.map((f) => `event ${f.eventId} ${f.state}`).join(', ') || 'none'}` +
      (received ? `; received ${received.length} POST(s), ${received.filter((d) => d.signatureValid).length} with a valid signature` : ''),
    `wall time ${s.wallSeconds.toFixed(1)} s`,
    '',
  ].join('\n');
}

function fmt(x: unknown): string {
  return typeof x === 'number' ? Number(x.toPrecision(4)).toString() : '-';
}
