/**
 * What this server can do, read from its OpenAPI document rather than assumed: pages and
 * buttons for routes other work adds (pause, priority, timeline, datasets, models, evaluations,
 * deployments, inbox, automations) appear when the server lists them. Pure, given the document.
 */

export interface Capabilities {
  readonly pause: boolean;
  readonly resume: boolean;
  readonly priority: boolean;
  readonly timeline: boolean;
  readonly datasets: boolean;
  readonly compare: boolean;
  readonly tokens: boolean;
  /** The model registry (`GET /api/v1/models`): the Models page. */
  readonly models: boolean;
  /** Leaderboards (`GET /api/v1/evaluations/leaderboard`): a job page's Evaluations section. */
  readonly evaluations: boolean;
  /** Deploy targets (`GET /api/v1/deploy/targets`): the Deployments page. */
  readonly deployments: boolean;
  /** The inbox listing (`GET /api/v1/inbox`): the Inbox page. */
  readonly inbox: boolean;
  /** Automation rules (`GET /api/v1/rules`): the Automations page. */
  readonly automations: boolean;
  /** Curricula (`GET /api/v1/curricula`): the Curriculum page. */
  readonly curricula: boolean;
  /** Studies (`GET /api/v1/studies`): the Studies page. */
  readonly studies: boolean;
  /** Whether `method path` is listed; path in OpenAPI form, e.g. `/api/v1/jobs/{id}/pause`. */
  has(method: string, path: string): boolean;
}

/** Every route the document lists, as "METHOD /path" with parameters written `{name}`. */
export function listRoutes(doc: unknown): Set<string> {
  const routes = new Set<string>();
  const paths = (doc as { paths?: Record<string, Record<string, unknown>> } | null)?.paths ?? {};
  for (const [path, item] of Object.entries(paths)) {
    const normal = path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    for (const method of Object.keys(item ?? {})) routes.add(`${method.toUpperCase()} ${normal}`);
  }
  return routes;
}

export function capabilitiesFrom(doc: unknown): Capabilities {
  const routes = listRoutes(doc);
  // Any name for the path parameter: match /jobs/{…}/pause.
  const has = (method: string, path: string) => {
    const want = `${method.toUpperCase()} ${path}`.replace(/\{[^}]+\}/g, '{}');
    for (const r of routes) if (r.replace(/\{[^}]+\}/g, '{}') === want) return true;
    return false;
  };
  return {
    pause: has('POST', '/api/v1/jobs/{id}/pause'),
    resume: has('POST', '/api/v1/jobs/{id}/resume'),
    priority: has('POST', '/api/v1/jobs/{id}/priority'),
    timeline: has('GET', '/api/v1/timeline'),
    datasets: has('GET', '/api/v1/datasets'),
    compare: has('GET', '/api/v1/compare'),
    tokens: has('GET', '/api/v1/tokens'),
    models: has('GET', '/api/v1/models'),
    evaluations: has('GET', '/api/v1/evaluations/leaderboard'),
    deployments: has('GET', '/api/v1/deploy/targets'),
    inbox: has('GET', '/api/v1/inbox'),
    automations: has('GET', '/api/v1/rules'),
    curricula: has('GET', '/api/v1/curricula'),
    studies: has('GET', '/api/v1/studies'),
    has,
  };
}
