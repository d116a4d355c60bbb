/**
 * The vllm-lora target. Its record (`<target dir>/vllm-lora.json`) names the adapter switched
 * to last; `current()` believes it only while vLLM still lists that adapter (a restarted vLLM
 * has forgotten every adapter loaded at run time).
 */
import type { DeployTargetSpec, SmokeCheck } from '../../../core/deployment.ts';
import { callHttp, callHttpOk, HttpCallError, serverUrl } from '../../http-call.ts';
import { probeCompletions } from '../../probe.ts';
import { type DeployTarget, DeployTargetError, type DeployTargetStep, type DeployVersion, type ProbeResult, type TargetContext } from '../../target.ts';
import { createStateFile } from '../state-file.ts';
import type { VllmLoraConfig } from './index.ts';

interface Serving {
  readonly adapter: string;
  readonly model: string;
  readonly version: number;
  readonly at: string;
}

export function createVllmLoraTarget(spec: DeployTargetSpec, config: VllmLoraConfig, context: TargetContext): DeployTarget {
  const record = createStateFile<Serving>(context.dir, 'vllm-lora.json');
  const request = { apiKey: config.apiKey, headers: config.headers, timeoutMs: config.timeoutSeconds * 1000 };
  const url = (path: string) => serverUrl(config.baseUrl, path);
  const adapterName = (v: { readonly version: number }) => `${config.adapterPrefix ?? spec.model}-v${v.version}`;

  /** The adapters vLLM lists now. */
  const loadedAdapters = async (): Promise<Set<string>> => {
    const answer = await callHttpOk({ method: 'GET', url: url('/v1/models'), ...request });
    const data = (answer.json as { data?: Array<{ id?: unknown; parent?: unknown }> } | undefined)?.data ?? [];
    return new Set(data.filter((m) => typeof m.id === 'string' && m.id !== config.baseModel).map((m) => m.id as string));
  };

  /** Loads the version's adapter unless vLLM has it already. */
  const ensureLoaded = async (step: DeployTargetStep, v: DeployVersion): Promise<void> => {
    const name = adapterName(v);
    try {
      if ((await loadedAdapters()).has(name)) return;
      const answer = await callHttp({ method: 'POST', url: url('/v1/load_lora_adapter'), body: { lora_name: name, lora_path: v.path }, ...request });
      if (answer.status === 400 && answer.text.includes('already been loaded')) return;
      if (answer.status < 200 || answer.status > 299) {
        const hint = answer.text.includes('"detail":"Not Found"')
          ? ' (vLLM has no such route: start it with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True)' : '';
        throw new HttpCallError(`POST ${url('/v1/load_lora_adapter')} answered ${answer.status}: ${answer.text.slice(0, 300)}${hint}`, answer.status);
      }
    } catch (error) {
      throw new DeployTargetError(step, `vLLM did not load adapter ${JSON.stringify(name)} from ${v.path}: ${(error as Error).message}`, { cause: error });
    }
    context.log(`${step}: loaded adapter ${name} from ${v.path}`);
  };

  const probeAdapter = (adapter: string, smoke: SmokeCheck | null): Promise<ProbeResult> => probeCompletions({
    baseUrl: config.baseUrl, model: adapter, smoke, baseModel: config.baseModel, healthPath: config.healthPath, ...request,
  });

  /** The recorded adapter while vLLM lists it; null otherwise (or when vLLM cannot be asked). */
  const serving = async (): Promise<Serving | null> => {
    const recorded = record.read();
    if (!recorded) return null;
    try {
      return (await loadedAdapters()).has(recorded.adapter) ? recorded : null;
    } catch {
      return null;
    }
  };

  return {
    spec,
    async open() {},
    /** Loads the adapter under its versioned name; it takes no traffic until clients address it. */
    async stage(v) {
      await ensureLoaded('stage', v);
    },
    /** The smoke prompt to the versioned adapter; with `differsFromBase`, the base model's answer must differ. */
    check: (v, smoke) => probeAdapter(adapterName(v), smoke),
    /** Records the version's adapter as the one serving (loading it first if vLLM lost it). */
    async switch(v) {
      await ensureLoaded('switch', v);
      const adapter = adapterName(v);
      if (record.read()?.adapter === adapter) return;
      record.write({ adapter, model: v.model, version: v.version, at: new Date().toISOString() });
      context.log(`switch: adapter ${adapter} serves ${v.model} version ${v.version}`);
    },
    async probe(smoke) {
      const recorded = record.read();
      if (!recorded) return { ok: false, latencyMs: 0, detail: 'nothing serves: no version was switched to on this target' };
      return probeAdapter(recorded.adapter, smoke);
    },
    async traffic() {
      return null;
    },
    async current() {
      const now = await serving();
      return now && { model: now.model, version: now.version };
    },
    async servingName() {
      return (await serving())?.adapter ?? null;
    },
    /** Unloads the version's adapter; one vLLM does not hold is fine. Refuses the adapter that serves. */
    async retire(v) {
      const name = adapterName(v);
      if (record.read()?.adapter === name) throw new DeployTargetError('retire', `adapter ${JSON.stringify(name)} is the one serving; switch to another version first`);
      try {
        const answer = await callHttp({ method: 'POST', url: url('/v1/unload_lora_adapter'), body: { lora_name: name }, ...request });
        if (answer.status === 404 && !answer.text.includes('"detail":"Not Found"')) return;
        if (answer.status < 200 || answer.status > 299) throw new HttpCallError(`POST ${url('/v1/unload_lora_adapter')} answered ${answer.status}: ${answer.text.slice(0, 300)}`, answer.status);
      } catch (error) {
        throw new DeployTargetError('retire', `vLLM did not unload adapter ${JSON.stringify(name)}: ${(error as Error).message}`, { cause: error });
      }
      context.log(`retire: unloaded adapter ${name}`);
    },
    async close() {},
  };
}
