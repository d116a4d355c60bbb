/**
 * The command target: each step one run of the user's script (run-step.ts). What it switched to
 * last is its record (`<target dir>/command.json`), which `current()` reports: a script has no
 * other way to say what serves.
 */
import { DEFAULT_SMOKE_MAX_TOKENS, type DeployTargetSpec, judgeSmoke, type SmokeCheck } from '../../../core/deployment.ts';
import { probeCompletions } from '../../probe.ts';
import { type DeployTarget, DeployTargetError, type DeployVersion, type ProbeResult, type TargetContext } from '../../target.ts';
import { createStateFile } from '../state-file.ts';
import type { CommandConfig } from './index.ts';
import { runStep, type StepOutcome } from './run-step.ts';

type ScriptStep = 'stage' | 'check' | 'switch' | 'retire';

/** The version switched to last. */
type Switched = DeployVersion & { readonly at: string };

export function createCommandTarget(spec: DeployTargetSpec, config: CommandConfig, context: TargetContext): DeployTarget {
  const record = createStateFile<Switched>(context.dir, 'command.json');

  const run = (step: ScriptStep, v: DeployVersion, smoke: SmokeCheck | null = null): Promise<StepOutcome> => runStep({
    argv: config.command,
    cwd: config.cwd ?? context.dir,
    timeoutMs: config.timeoutSeconds * 1000,
    env: {
      ...(context.baseEnv ?? withoutTrainyardVariables(process.env)),
      ...config.env,
      TRAINYARD_DEPLOY_STEP: step,
      TRAINYARD_DEPLOY_TARGET: spec.name,
      TRAINYARD_DEPLOY_MODEL: v.model,
      TRAINYARD_DEPLOY_VERSION: String(v.version),
      TRAINYARD_DEPLOY_PATH: v.path,
      TRAINYARD_DEPLOY_CHECKPOINT: String(v.checkpointId),
      TRAINYARD_DEPLOY_TRAINING_STEP: String(v.step),
      TRAINYARD_DEPLOY_METADATA: JSON.stringify(v.metadata),
      ...(smoke ? { TRAINYARD_DEPLOY_PROMPT: smoke.prompt, TRAINYARD_DEPLOY_MAX_TOKENS: String(smoke.maxTokens ?? DEFAULT_SMOKE_MAX_TOKENS) } : {}),
    },
    onStderrLine: (line) => context.log(`${step}: ${line}`),
  });

  /** Why a step failed, naming the step, the exit and the last lines of stderr; null when it succeeded. */
  const failure = (outcome: StepOutcome): string | null => {
    if (outcome.kind === 'not-started') return `cannot run ${JSON.stringify(config.command[0])}: ${outcome.message}`;
    const tail = outcome.stderrTail.length > 0 ? `; the last lines of its stderr:\n${outcome.stderrTail.map((l) => `  ${l}`).join('\n')}` : '; it wrote nothing to stderr';
    if (outcome.kind === 'timed-out') return `the script did not finish within ${config.timeoutSeconds} s and was killed${tail}`;
    if (outcome.exitCode === 0) return null;
    const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
    return `the script ${how}${tail}`;
  };

  const step = async (name: 'stage' | 'switch' | 'retire', v: DeployVersion): Promise<void> => {
    const why = failure(await run(name, v));
    if (why) throw new DeployTargetError(name, `${why} (version ${v.version}, ${v.path})`);
  };

  /** The script with step=check for `v`: its stdout (less one final newline) is the smoke answer. */
  const checkByScript = async (v: DeployVersion, smoke: SmokeCheck | null): Promise<ProbeResult> => {
    const started = performance.now();
    const outcome = await run('check', v, smoke);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const why = failure(outcome);
    if (why || outcome.kind !== 'exited') return { ok: false, latencyMs, detail: `check: ${why}` };
    if (smoke === null) return { ok: true, latencyMs, detail: 'check: the script exited with code 0; no smoke check declared' };
    const text = outcome.stdout.replace(/\r?\n$/, '');
    return { ...judgeSmoke(smoke, text), latencyMs, text };
  };

  const probeServer = (smoke: SmokeCheck | null): Promise<ProbeResult> => {
    const p = config.probe!;
    return probeCompletions({
      baseUrl: p.baseUrl, model: p.model ?? spec.model, smoke, apiKey: p.apiKey, headers: p.headers,
      healthPath: p.healthPath, timeoutMs: config.timeoutSeconds * 1000,
    });
  };

  return {
    spec,
    async open() {},
    stage: (v) => step('stage', v),
    check: (v, smoke) => (config.probe ? probeServer(smoke) : checkByScript(v, smoke)),
    async switch(v) {
      await step('switch', v);
      record.write({ ...v, at: new Date().toISOString() });
    },
    /** What serves: the script with step=check and the version switched to last (or the configured server). */
    async probe(smoke) {
      if (config.probe) return probeServer(smoke);
      const serving = record.read();
      if (!serving) return { ok: false, latencyMs: 0, detail: 'nothing serves: no version was switched to on this target' };
      return checkByScript(serving, smoke);
    },
    async traffic() {
      return null;
    },
    async current() {
      const serving = record.read();
      return serving && { model: serving.model, version: serving.version };
    },
    retire: (v) => step('retire', v),
    async close() {},
  };
}

/** The server's environment less its own `TRAINYARD_*` variables (a script gets only the deploy ones). */
function withoutTrainyardVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('TRAINYARD_')));
}
