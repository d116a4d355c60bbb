/**
 * A typed client of the dataset routes (docs/http-api.md, "Datasets"), on the global `fetch`,
 * with the same errors as `client.ts`: `ApiError` when the server answered with an error,
 * `ApiConnectionError` when it could not be reached.
 */
import type {
  DatasetSummary,
  DatasetUse,
  DatasetVersion,
  FormatDefinition,
  ValidationLevel,
  ValidationRecord,
  ValidationReport,
  ValidationSettings,
} from '../core/datasets.ts';
import { ApiConnectionError, ApiError, type ClientOptions } from './client.ts';

export type { DatasetSummary, DatasetVersion, FormatDefinition, ValidationLevel, ValidationReport } from '../core/datasets.ts';

export interface RegisterDatasetInput {
  name: string;
  /** Absolute path on the server's machine. */
  path: string;
  format: string;
  level?: ValidationLevel;
  eval?: string[];
  settings?: Partial<ValidationSettings>;
}

export type RegisteredDataset = DatasetVersion & { readonly created: boolean; readonly report: ValidationReport };
export type DatasetDetail = Omit<DatasetVersion, 'validations'> & {
  readonly validations: ReadonlyArray<ValidationRecord & { readonly report: ValidationReport | null }>;
};
export interface DatasetRunUse extends DatasetUse {
  readonly jobName: string | null;
  readonly jobState: string | null;
  readonly attempt: number | null;
  readonly runState: string | null;
}
export interface ApiFormat {
  readonly name: string;
  readonly description: string;
  readonly builtin: boolean;
  readonly definition?: FormatDefinition;
}

export type DatasetClient = ReturnType<typeof createDatasetClient>;

export function createDatasetClient(options: ClientOptions) {
  const base = options.url.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };

  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(base + path, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiConnectionError(base, { cause: error });
    }
    const text = await response.text().catch((error: unknown) => {
      throw new ApiConnectionError(base, { cause: error });
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const e = (parsed as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
      throw new ApiError(response.status, e?.code ?? `http_${response.status}`, e?.message ?? (text.trim().slice(0, 500) || response.statusText), e?.field ?? null);
    }
    return parsed as T;
  }

  const seg = (s: string | number) => encodeURIComponent(String(s));

  return {
    url: base,
    /** Registers the next version of a dataset (a failing one too: see `report.passed`). */
    register: (input: RegisterDatasetInput) => json<RegisteredDataset>('POST', '/api/v1/datasets', input),
    list: async () => (await json<{ datasets: DatasetSummary[] }>('GET', '/api/v1/datasets')).datasets,
    versions: async (name: string) => (await json<{ versions: DatasetVersion[] }>('GET', `/api/v1/datasets/${seg(name)}`)).versions,
    /** A version (default: the latest) with the report of each validation. */
    get: (name: string, version?: number) => json<DatasetDetail>('GET', `/api/v1/datasets/${seg(name)}/${version ?? 'latest'}`),
    /** Validates a registered version again and records it. */
    check: (name: string, version: number | undefined, input: { level: ValidationLevel; eval?: string[]; settings?: Partial<ValidationSettings> }) =>
      json<DatasetVersion & { report: ValidationReport }>('POST', `/api/v1/datasets/${seg(name)}/${version ?? 'latest'}/validations`, input),
    /** Validates a server-local path without registering it. */
    validate: (input: Omit<RegisterDatasetInput, 'name'>) => json<ValidationReport>('POST', '/api/v1/datasets/validate', input),
    runs: (name: string, version?: number) =>
      json<{ dataset: string; sha256: string; runs: DatasetRunUse[] }>('GET', `/api/v1/datasets/${seg(name)}/${version ?? 'latest'}/runs`),
    formats: async () => (await json<{ formats: ApiFormat[] }>('GET', '/api/v1/datasets/formats')).formats,
    format: (name: string) => json<ApiFormat>('GET', `/api/v1/datasets/formats/${seg(name)}`),
    registerFormat: (definition: FormatDefinition) => json<ApiFormat>('PUT', `/api/v1/datasets/formats/${seg(definition.name)}`, definition),
  };
}
