/**
 * Prometheus metrics (`GET /metrics`, docs/operations.md#prometheus-metrics) with prom-client:
 * one registry per app (tests build several in one process). Gauges are read from the store at
 * scrape time; counters are kept in process and start at 0 with each server.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { EventStore, OperationsStore } from '../store/store.ts';

export interface PrometheusDeps {
  readonly store: Pick<EventStore, 'lastEventId'> & Pick<OperationsStore, 'listEventCursors' | 'countJobsByState'>;
  readonly subscribers: () => readonly string[];
  /** Metric points accepted since start (control's intake). */
  readonly ingestedPoints: () => number;
  readonly now: () => number;
}

export interface Prometheus {
  readonly registry: Registry;
  /** Counts a response with status ≥ 400 under its route class. */
  observeResponse(routeUrl: string | undefined, status: number): void;
}

export function createPrometheus(deps: PrometheusDeps): Prometheus {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({
    name: 'trainyard_queue_depth', help: 'Jobs queued, waiting for a slot', registers,
    async collect() {
      this.set((await deps.store.countJobsByState()).queued ?? 0);
    },
  });
  new Gauge({
    name: 'trainyard_running_jobs', help: 'Jobs running (stopping and pausing included)', registers,
    async collect() {
      const counts = await deps.store.countJobsByState();
      this.set((counts.running ?? 0) + (counts.stopping ?? 0) + (counts.pausing ?? 0));
    },
  });
  new Gauge({
    name: 'trainyard_jobs', help: 'Jobs by state', labelNames: ['state'], registers,
    async collect() {
      this.reset();
      for (const [state, n] of Object.entries(await deps.store.countJobsByState())) this.set({ state }, n);
    },
  });
  let counted = 0;
  new Counter({
    name: 'trainyard_ingested_points_total', help: 'Metric points accepted (HTTP, log lines and spools); rate() of it is the ingest rate in points/s', registers,
    collect() {
      const now = deps.ingestedPoints();
      if (now > counted) this.inc(now - counted);
      counted = now;
    },
  });
  new Gauge({
    name: 'trainyard_event_log_last_id', help: 'Id of the newest event in the durable event log', registers,
    async collect() {
      this.set(await deps.store.lastEventId());
    },
  });
  const lag = async () => {
    const last = await deps.store.lastEventId();
    const cursors = new Map((await deps.store.listEventCursors()).map((c) => [c.subscriber, c]));
    return deps.subscribers().map((name) => {
      const cursor = cursors.get(name);
      const behind = cursor ? Math.max(0, last - cursor.lastId) : 0;
      return { name, behind, seconds: cursor && behind > 0 ? Math.max(0, (deps.now() - cursor.updatedAt) / 1000) : 0 };
    });
  };
  new Gauge({
    name: 'trainyard_event_lag', help: 'Events a durable subscriber has not acknowledged yet (newest event id - its cursor)', labelNames: ['subscriber'], registers,
    async collect() {
      this.reset();
      for (const s of await lag()) this.set({ subscriber: s.name }, s.behind);
    },
  });
  new Gauge({
    name: 'trainyard_subscriber_lag_seconds', help: 'Seconds since a lagging durable subscriber last acknowledged (0 when caught up)', labelNames: ['subscriber'], registers,
    async collect() {
      this.reset();
      for (const s of await lag()) this.set({ subscriber: s.name }, s.seconds);
    },
  });
  const errors = new Counter({ name: 'trainyard_http_errors_total', help: 'HTTP responses with status >= 400, by route class (the path segment after /api/v1/) and status', labelNames: ['route_class', 'status'], registers });
  return {
    registry,
    observeResponse(routeUrl, status) {
      if (status < 400) return;
      errors.inc({ route_class: routeClass(routeUrl), status: String(status) });
    },
  };
}

/** `/api/v1/jobs/:id` → `jobs`; `/healthz` → `healthz`; an unmatched request → `unmatched`. */
export function routeClass(url: string | undefined): string {
  if (!url) return 'unmatched';
  const parts = url.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts[1] === 'v1') return parts[2] ?? 'api';
  return parts[0] ?? 'root';
}
