/**
 * One health-and-smoke probe of an OpenAI-style completions server (vLLM, the builtin server,
 * a user's own): `GET <healthPath>` must answer 2xx, then one `POST /v1/completions` with the
 * smoke prompt (temperature 0) whose text `judgeSmoke` judges. Used by the targets' `check`
 * and `probe`. Never throws: what failed is the result's `detail`.
 */
import { DEFAULT_SMOKE_MAX_TOKENS, judgeSmoke, type SmokeCheck } from '../core/deployment.ts';
import { callHttpOk, serverUrl } from './http-call.ts';
import type { ProbeResult } from './target.ts';

export interface CompletionsProbe {
  /** The server's root (`http://127.0.0.1:8000`); a trailing `/v1` is dropped. */
  readonly baseUrl: string;
  /** The `model` field of the smoke request (an adapter's versioned name for vllm-lora). */
  readonly model: string;
  /** null: health only. */
  readonly smoke: SmokeCheck | null;
  readonly apiKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Deadline of each request. */
  readonly timeoutMs: number;
  /** Default `/health`. null: no health request. */
  readonly healthPath?: string | null;
  /** With `smoke.expect.differsFromBase`: the model the same prompt is also sent to, whose answer must differ. */
  readonly baseModel?: string;
}

/**
 * Probes the server. `latencyMs` is the smoke request's time (the health request's when there
 * is no smoke), so that the watch's latency bound is about answering, not about the probe's
 * other requests.
 */
export async function probeCompletions(probe: CompletionsProbe): Promise<ProbeResult> {
  const healthPath = probe.healthPath === undefined ? '/health' : probe.healthPath;
  const request = { apiKey: probe.apiKey, headers: probe.headers, timeoutMs: probe.timeoutMs };
  let latencyMs = 0;
  if (healthPath !== null) {
    const started = performance.now();
    try {
      await callHttpOk({ method: 'GET', url: serverUrl(probe.baseUrl, healthPath), ...request });
    } catch (error) {
      return { ok: false, latencyMs: elapsed(started), detail: `health: ${(error as Error).message}` };
    }
    latencyMs = elapsed(started);
    if (probe.smoke === null) return { ok: true, latencyMs, detail: `health: ${healthPath} ok; no smoke check declared` };
  }
  if (probe.smoke === null) return { ok: true, latencyMs, detail: 'no health path and no smoke check: nothing to probe' };

  const started = performance.now();
  const answer = await complete(probe, probe.model, probe.smoke, request);
  latencyMs = elapsed(started);
  if ('error' in answer) return { ok: false, latencyMs, detail: `smoke: ${answer.error}` };

  let baseText: string | undefined;
  if (probe.smoke.expect.differsFromBase && probe.baseModel !== undefined) {
    const base = await complete(probe, probe.baseModel, probe.smoke, request);
    if ('error' in base) return { ok: false, latencyMs, detail: `smoke: the base model's answer: ${base.error}`, text: answer.text };
    baseText = base.text;
  }
  const judged = judgeSmoke(probe.smoke, answer.text, baseText);
  return { ok: judged.ok, latencyMs, detail: judged.detail, text: answer.text };
}

type Completion = { readonly text: string } | { readonly error: string };

/** One completion; its text, or why none came. */
async function complete(
  probe: CompletionsProbe, model: string, smoke: SmokeCheck,
  request: { apiKey?: string; headers?: Readonly<Record<string, string>>; timeoutMs: number },
): Promise<Completion> {
  const url = serverUrl(probe.baseUrl, '/v1/completions');
  const body = { model, prompt: smoke.prompt, max_tokens: smoke.maxTokens ?? DEFAULT_SMOKE_MAX_TOKENS, temperature: 0 };
  try {
    const answer = await callHttpOk({ method: 'POST', url, body, ...request });
    const text = (answer.json as { choices?: Array<{ text?: unknown }> } | undefined)?.choices?.[0]?.text;
    if (typeof text !== 'string') return { error: `POST ${url} (model ${JSON.stringify(model)}) answered without choices[0].text: ${answer.text.slice(0, 200)}` };
    return { text };
  } catch (error) {
    return { error: `${(error as Error).message} (model ${JSON.stringify(model)})` };
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
