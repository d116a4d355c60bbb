/**
 * A study's report (docs/studies.md, "The report"): JSON for the dashboard, CSV for a
 * spreadsheet, Markdown for a paper. Read with a read token; nothing is written.
 */
import { z } from 'zod';
import { AUTH, errorResponses } from '../../core/api/errors.ts';
import { studyReportQuery, studyReportSchema } from '../../core/api/study-report.ts';
import { studyNameParams } from '../../core/api/studies.ts';
import { reportCsv, reportMarkdown } from '../../core/study-report-format.ts';
import { createReportCache, loadStudyReport } from '../../studies/report.ts';
import type { App, AppDeps } from '../app.ts';

export function registerStudyReportRoutes(app: App, deps: AppDeps): void {
  if (!deps.studies) return;
  const { store } = deps;
  const cache = createReportCache();

  app.get('/api/v1/studies/:name/report', {
    config: { access: () => ({ kind: 'read' }) as const },
    schema: {
      summary: "A study's report: a row per variant (params that differ, final/best/step-of-best per metric, mean ± std over seeds, wall time, GPU-hours, outcome, best marked), baselines, evidence per run",
      params: studyNameParams,
      querystring: studyReportQuery,
      response: {
        200: {
          description: 'format=json: the report (StudyReport); csv: text/csv, a line per variant, trial and baseline; md: text/markdown, the table with the best in bold, baselines, a footnote with the spec hash, the evidence',
          content: {
            'application/json': { schema: studyReportSchema },
            'text/csv': { schema: z.string() },
            'text/markdown': { schema: z.string() },
          },
        },
        ...errorResponses({ 400: true, ...AUTH, 404: 'no study with this name' }),
      },
    },
  }, async (request, reply) => {
    const report = await loadStudyReport(store, request.params.name, request.query.metrics, deps.now(), cache);
    const file = `${report.study}-report`;
    if (request.query.format === 'csv') {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `inline; filename="${file}.csv"`).send(reportCsv(report) as never);
    }
    if (request.query.format === 'md') {
      return reply.type('text/markdown; charset=utf-8').header('content-disposition', `inline; filename="${file}.md"`).send(reportMarkdown(report, { linkBase: `${request.protocol}://${request.host}` }) as never);
    }
    // The serializer is JSON.stringify: a metric point at ±Infinity is written as null.
    return report;
  });
}
