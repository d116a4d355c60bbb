/**
 * One fuzz case: an operation of `/openapi.json` turned into a request, its parameters, body
 * and headers drawn valid-ish from the schema (with the fixture's real ids and names) and then
 * mutated, with a token chosen among admin, read, run, none and garbage.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HOSTILE_STRINGS } from './hostile.ts';
import { mutate, Raw, serialize, type MutationContext } from './mutate.ts';
import type { ApiDocument, Operation } from './operations.ts';
import type { Random } from './random.ts';
import { createGenerator, type Hints, type Schema } from './schema-values.ts';

/** What the fixture made: real ids and names, harmless places, hostile paths. */
export interface Known {
  readonly tokens: { readonly admin: string; readonly read: string; readonly run: string };
  /** The job whose run reports (its run token); never stopped by the fuzzer. */
  readonly runnerJobId: number;
  /** A queued job the fuzzer may stop, pause, move. */
  readonly victimJobId: number;
  readonly runId: number;
  readonly checkpointId: number;
  /** A checkpoint file inside the run's checkpoint folder (relative to it). */
  readonly checkpointFile: string;
  readonly datasetName: string;
  readonly datasetFile: string;
  readonly modelName: string;
  readonly suiteName: string;
  readonly ruleName: string;
  /** The temp root: everything the fuzzer makes lies under it. */
  readonly root: string;
  /** A folder inside the temp root: every cwd. */
  readonly cwd: string;
  readonly paths: readonly string[];
}

export type TokenChoice = 'admin' | 'read' | 'run' | 'none' | 'garbage';

export interface FuzzRequest {
  readonly index: number;
  readonly operation: Operation;
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | null;
  readonly token: TokenChoice;
  /** Sent as bytes on a socket of its own: duplicate headers, bytes a client library refuses. */
  readonly raw: string | null;
}

const GARBAGE_TOKENS = ['ty_0000000000000000_' + 'x'.repeat(43), 'Bearer', 'ty_', '\u00ff'.repeat(50), 'x'.repeat(9000), 'ty_zzzzzzzzzzzzzzzz_' + 'y'.repeat(43)];

function nameFor(path: string, known: Known): string {
  if (path.startsWith('/api/v1/datasets')) return known.datasetName;
  if (path.startsWith('/api/v1/models')) return known.modelName;
  if (path.startsWith('/api/v1/eval-suites')) return known.suiteName;
  if (path.startsWith('/api/v1/rules')) return known.ruleName;
  if (path.startsWith('/api/v1/deploy')) return 'fuzz-target';
  return 'fuzz';
}

function hintsFor(operation: Operation, known: Known): Hints {
  const checkpointRoute = operation.path.endsWith('/checkpoints') && operation.method === 'POST';
  return {
    field(key, path, random) {
      switch (key) {
        case 'command': return random.chance(0.5) ? ['true'] : 'true';
        case 'shell': return false;
        case 'cwd': return known.cwd;
        case 'env': return { FUZZ: '1' };
        case 'enabled': return false;
        case 'path': return checkpointRoute ? known.checkpointFile : known.datasetFile;
        case 'suite': return known.suiteName;
        case 'model': return known.modelName;
        case 'checkpoint':
        case 'checkpointId': return known.checkpointId;
        case 'job':
        case 'jobId': return known.victimJobId;
        case 'kind': return path.length === 1 && operation.path.includes('/deploy/targets') ? random.pick(['http-reload', 'vllm-lora', 'command']) : undefined;
        default: return undefined;
      }
    },
  };
}

function pathParam(operation: Operation, name: string, schema: Schema, known: Known, random: Random, generate: (s: Schema) => unknown): string {
  const p = operation.path;
  if (random.chance(0.7)) {
    if (name === 'runId') return String(known.runId);
    if (name === 'id' && p.startsWith('/api/v1/jobs/')) return String(operation.method === 'GET' ? random.pick([known.runnerJobId, known.victimJobId]) : known.victimJobId);
    if (name === 'id') return '1';
    if (name === 'name') return nameFor(p, known);
    if (name === 'version' || name === 'ref') return random.pick(['1', 'latest']);
    if (name === 'alias') return 'production';
    if (name === 'key') return 'loss';
  }
  return String(generate(schema));
}

/** A path parameter made hostile: encoded, or raw where the URL itself is the attack. */
function hostileSegment(random: Random, known: Known): string {
  switch (random.int(0, 5)) {
    case 0: return random.pick(['..', '.', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%2f..%2f', '%00', '%', '%zz', '%c0%ae%c0%ae', '%ef%bf%bf']);
    case 1: return encodeSegment(random.pick(known.paths));
    case 2: return String(random.pick([-1, 0, 1.5, 1e21, 2 ** 53, 'NaN', 'Infinity', '-0', '0x1', '1e3', ' 1', '١']));
    case 3: return 'x'.repeat(random.pick([300, 5000]));
    default: return encodeSegment(random.pick(HOSTILE_STRINGS));
  }
}

function chooseToken(random: Random): TokenChoice {
  const r = random.next();
  return r < 0.7 ? 'admin' : r < 0.8 ? 'run' : r < 0.86 ? 'read' : r < 0.93 ? 'none' : 'garbage';
}

const OVER_LIMIT = Buffer.from(`{"pad":"${'x'.repeat((1 << 20) + 10)}"}`);

/** Whole-body replacements: empty, truncated, not JSON, over the limit, the wrong encoding. */
function bodyVariant(random: Random, json: string): { body: Buffer; contentType?: string } {
  switch (random.int(0, 10)) {
    case 0: return { body: Buffer.alloc(0) };
    case 1: return { body: Buffer.from(json.slice(0, Math.max(0, json.length - random.int(1, 5)))) };
    case 2: return { body: Buffer.from(random.pick(['null', '0', '"x"', '[]', 'true', '{}', ' ', 'NaN', '{"a":NaN}', '{,}', '\u0000'])) };
    case 3: return { body: Buffer.from([0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]) };
    case 4: return { body: Buffer.from(json), contentType: random.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', 'application/json; charset=utf-16', 'application/jsonx', '*/*', 'application/json;;;', 'APPLICATION/JSON']) };
    case 5: return { body: Buffer.from(json), contentType: '' };
    // Over the 1 MiB limit: a quarter as often as the others (the bytes dominate a run's cost).
    case 6: return random.chance(0.25) ? { body: OVER_LIMIT } : { body: Buffer.from(json.replace(/"/, '"\\u0000')) };
    case 7: return { body: Buffer.from(json, 'utf16le') };
    case 8: return { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]) };
    case 9: return { body: Buffer.from(`${json}${json}`) };
    default: return { body: Buffer.from(`{"a":${'['.repeat(200_000)}`) };
  }
}

function rawRequest(random: Random, method: string, url: string, token: string, body: Buffer | null): string {
  const b = body?.toString('latin1') ?? '';
  const length = `content-length: ${Buffer.byteLength(b, 'latin1')}\r\n`;
  const auth = `authorization: Bearer ${token}\r\n`;
  const head = (extra: string, target = url) => `${method} ${target} HTTP/1.1\r\nhost: 127.0.0.1\r\n${extra}connection: close\r\n`;
  switch (random.int(0, 7)) {
    case 0: return head(auth + auth.replace(token, 'other') + 'content-type: application/json\r\n' + length) + '\r\n' + b;
    case 1: return head(auth + 'content-type: application/json\r\ncontent-type: text/plain\r\n' + length) + '\r\n' + b;
    case 2: return head(auth + 'content-type: application/json\r\n' + length + length.replace(/\d+/, '3')) + '\r\n' + b;
    case 3: return head(auth + 'content-type: application/json\r\ntransfer-encoding: chunked\r\n' + length) + '\r\n' + `${b.length.toString(16)}\r\n${b}\r\n0\r\n\r\n`;
    case 4: return head(auth, url + '\u0000/../../etc/passwd') + '\r\n';
    case 5: return head(auth + 'content-type: application/json\r\ntransfer-encoding: chunked\r\n') + '\r\n' + `zz\r\n${b}\r\n`;
    case 6: return head(auth + 'x-bad: a\u0000b\r\ncontent-type: application/json\u0000\r\n' + length) + '\r\n' + b;
    default: return head(`authorization: Bearer ${token}\u0000\r\n` + length) + '\r\n' + b;
  }
}

/**
 * Keeps a value the server might write to inside the temp root: an absolute path outside it that
 * is not one of the fixture's own (existing, read-only probes such as /etc/passwd) moves under
 * the root. The server runs as whoever runs the tests, perhaps root: a backup destination or an
 * output folder that a bug lets through must not land in /etc.
 */
export function confine(value: unknown, known: Known): unknown {
  if (typeof value === 'string') {
    if (!value.startsWith('/') || value.includes('\u0000') || known.paths.includes(value) || landsInside(value, known.root)) return value;
    return `${known.root}/elsewhere/${value.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_')}`;
  }
  if (Array.isArray(value)) return value.map((v) => confine(v, known));
  if (value && typeof value === 'object' && !(value instanceof Raw)) {
    for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = confine((value as Record<string, unknown>)[key], known);
  }
  return value;
}

/** Whether `path`, with its symlinks followed as far as they exist, stays under `root`. */
function landsInside(path: string, root: string): boolean {
  let at = resolve(path);
  if (!at.startsWith(root + '/')) return false;
  while (!existsSync(at) && at !== root) at = dirname(at);
  try {
    return (realpathSync(at) + '/').startsWith(realpathSync(root) + '/');
  } catch {
    return false;
  }
}

/** Case `index` for `operation`, drawn from `random`. */
export function buildCase(index: number, api: ApiDocument, operation: Operation, known: Known, random: Random): FuzzRequest {
  const generator = createGenerator(api.components, hintsFor(operation, known));
  const ctx: MutationContext = { random, paths: known.paths };
  const token = chooseToken(random);
  const tokenValue = token === 'admin' ? known.tokens.admin : token === 'read' ? known.tokens.read : token === 'run' ? known.tokens.run : random.pick(GARBAGE_TOKENS);

  const pathValues: Record<string, string> = {};
  let url = operation.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const param = operation.parameters.find((p) => p.in === 'path' && p.name === name);
    let v = encodeSegment(pathParam(operation, name, param?.schema ?? {}, known, random, (s) => generator.value(s, random, [name])));
    if (random.chance(0.15)) v = hostileSegment(random, known);
    // Never the runner (its token serves the run-token cases), however the id is spelled ("0x1", " 1").
    if (operation.method !== 'GET' && operation.path.startsWith('/api/v1/jobs/{id}') && Number(decodeURIComponentSafe(v).trim()) === known.runnerJobId) v = String(known.victimJobId);
    pathValues[name] = decodeURIComponentSafe(v);
    return v;
  });

  const query: string[] = [];
  for (const p of operation.parameters.filter((q) => q.in === 'query')) {
    if (!p.required && random.chance(0.5)) continue;
    let v: unknown = generator.value(p.schema, random, [p.name]);
    if (random.chance(0.25)) v = mutate(v, ctx);
    v = confine(v, known);
    const text = v instanceof Raw ? v.text : typeof v === 'string' ? v : JSON.stringify(v) ?? '';
    query.push(`${encodeSegment(p.name)}=${encodeSegment(text.slice(0, 20_000))}`);
    if (random.chance(0.05)) query.push(`${encodeSegment(p.name)}=${encodeSegment(random.pick(HOSTILE_STRINGS))}`);
  }
  if (random.chance(0.05)) query.push(random.pick(['__proto__[x]=1', 'constructor.prototype.x=1', '=', '&&', 'a[]=1&a[]=2', 'x=%zz', 'limit=1e309', `pad=${'y'.repeat(random.pick([100, 7000, 70_000]))}`]));
  if (query.length > 0) url += `?${query.join('&')}`;
  if (random.chance(0.02)) url = random.pick([url + '/', url.replace('/api/v1/', '/api/v1//'), url + '/../../../../etc/passwd', url + '#frag', url.toUpperCase(), `/api/v1/../api/v1/jobs`, url + '%00']);

  const headers: Record<string, string> = {};
  if (token !== 'none') headers.authorization = random.chance(0.97) ? `Bearer ${tokenValue}` : random.pick([tokenValue, `bearer  ${tokenValue}`, `Basic ${tokenValue}`, `Bearer ${tokenValue}, Bearer x`]);
  let body: Buffer | null = null;
  if (operation.body) {
    if (operation.body.contentType === 'application/json') {
      let value = generator.value(operation.body.schema, random, []) as Record<string, unknown>;
      if (value && typeof value === 'object' && 'name' in value && pathValues.name !== undefined) value.name = pathValues.name;
      if (random.chance(0.8)) value = mutate(value, ctx) as Record<string, unknown>;
      const json = serialize(confine(value, known));
      headers['content-type'] = 'application/json';
      if (random.chance(0.15)) {
        const variant = bodyVariant(random, json);
        body = variant.body;
        if (variant.contentType === '') delete headers['content-type'];
        else if (variant.contentType) headers['content-type'] = variant.contentType;
      } else body = Buffer.from(json);
    } else {
      headers['content-type'] = random.pick([operation.body.contentType, 'application/json', 'text/plain', 'image/png']);
      body = random.chance(0.1) ? Buffer.alloc(0) : Buffer.from(random.pick(['weights', '\u0000\u0001\u0002', '😀', 'x'.repeat(100_000)]));
    }
  } else if (random.chance(0.05)) {
    body = Buffer.from(random.pick(['{}', '{"x":1}', 'garbage']));
    headers['content-type'] = 'application/json';
  }
  if (random.chance(0.03)) {
    Object.assign(headers, random.pick([
      { 'x-forwarded-for': '127.0.0.1, 10.0.0.1' },
      { 'content-encoding': 'gzip' },
      { accept: 'text/html' },
      { 'x-huge': 'h'.repeat(20_000) },
      { 'accept-encoding': 'br, gzip, deflate, identity;q=0, *;q=0' },
      { expect: '100-continue' },
      { range: 'bytes=0-1,-1' },
      { 'if-none-match': '*' },
    ]));
  }
  const raw = random.chance(0.04) ? rawRequest(random, operation.method, url, tokenValue, body) : null;
  return { index, operation, method: operation.method, url, headers, body, token, raw };
}

/** encodeURIComponent, with a lone surrogate sent as the bytes of one (ED A0 80: not UTF-8). */
function encodeSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text.split('').map((ch) => /[\ud800-\udfff]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch)).join('');
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

