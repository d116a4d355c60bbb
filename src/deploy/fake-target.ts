/**
 * A deploy target kind for tests (like executors/fake/): no process, no network. It serves the
 * version it was switched to, answers probes from a table of broken versions, and fails the
 * step a test asks it to, so the transaction and the deployer are tested at every step. Its
 * state outlives an instance (a "restarted server" creates a new one over the same backend).
 */
import { ValidationError } from '../core/errors.ts';
import type { DeployTarget, DeployVersion, ProbeResult, TargetKind, TrafficStats } from './target.ts';

/** What the fake backend is and does; tests change it between steps. */
export interface FakeBackend {
  /** The version serving, as the backend reports it. */
  serving: { model: string; version: number } | null;
  staged: Set<number>;
  /** Every call, in order: `stage 2`, `check 2`, `switch 2`, `probe`, `retire 2`, `open`, `close`. */
  readonly calls: string[];
  /** Versions whose `stage` throws, with the message. */
  readonly failStage: Map<number, string>;
  /** Versions whose check (and probes while serving) answer not ok, with the detail. */
  readonly broken: Map<number, string>;
  /** Versions whose `switch` throws. */
  readonly failSwitch: Map<number, string>;
  /** Request counters the target reports; null: it keeps none. */
  traffic: TrafficStats | null;
  /** Called at each probe (a test may kill things or move the clock here). */
  onProbe: (() => void) | null;
}

export function createFakeBackend(): FakeBackend {
  return { serving: null, staged: new Set(), calls: [], failStage: new Map(), broken: new Map(), failSwitch: new Map(), traffic: null, onProbe: null };
}

/**
 * A kind whose targets drive `backend` (one for all, or one per target name). Its `kind` claims
 * `command` so specs type-check; the deployer is given it directly (`kindOf`).
 */
export function createFakeTargetKind(backends: FakeBackend | ((target: string) => FakeBackend)): TargetKind {
  return {
    kind: 'command',
    parseConfig(config) {
      if (config !== null && typeof config === 'object' && 'bad' in config) throw new ValidationError('expected no "bad" field', 'config.bad', { code: 'invalid_target' });
      return (config ?? {}) as Record<string, unknown>;
    },
    create(spec): DeployTarget {
      const backend = typeof backends === 'function' ? backends(spec.name) : backends;
      const probeOf = (version: number | undefined): ProbeResult => {
        const broken = version === undefined ? 'nothing serves' : backend.broken.get(version);
        return broken ? { ok: false, latencyMs: 1, detail: broken } : { ok: true, latencyMs: 1, detail: `v${version} answered`, text: `v${version}` };
      };
      return {
        spec,
        async open() {
          backend.calls.push('open');
        },
        async stage(version: DeployVersion) {
          backend.calls.push(`stage ${version.version}`);
          const fail = backend.failStage.get(version.version);
          if (fail) throw new Error(fail);
          backend.staged.add(version.version);
        },
        async check(version) {
          backend.calls.push(`check ${version.version}`);
          return probeOf(version.version);
        },
        async switch(version) {
          backend.calls.push(`switch ${version.version}`);
          const fail = backend.failSwitch.get(version.version);
          if (fail) throw new Error(fail);
          backend.serving = { model: version.model, version: version.version };
        },
        async probe() {
          backend.calls.push('probe');
          backend.onProbe?.();
          return probeOf(backend.serving?.version);
        },
        async traffic() {
          return backend.traffic;
        },
        async current() {
          return backend.serving;
        },
        async retire(version) {
          backend.calls.push(`retire ${version.version}`);
          backend.staged.delete(version.version);
        },
        async close() {
          backend.calls.push('close');
        },
      };
    },
  };
}
