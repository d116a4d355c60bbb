/**
 * A typed client of the dataset routes (docs/http-api.md, "Datasets"), on the same transport
 * as `client.ts` (so the same errors: `ApiError` when the server answered with an error,
 * `ApiConnectionError` when it could not be reached) and with the types of the routes' schemas.
 */
import type {
  ApiFormat,
  CheckedDataset,
  CheckInput,
  DatasetDetail,
  DatasetRuns,
  DatasetSummary,
  DatasetVersion,
  ListedFormat,
  RegisteredDataset,
  RegisterDatasetInput,
  ValidateInput,
  ValidationReport,
} from '../core/api/datasets.ts';
import type { FormatDefinition } from '../core/datasets.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type {
  ApiFormat,
  CheckedDataset,
  CheckInput,
  DatasetDetail,
  DatasetRunUse,
  DatasetRuns,
  DatasetSummary,
  DatasetVersion,
  ListedFormat,
  RegisteredDataset,
  RegisterDatasetInput,
  ValidateInput,
  ValidationReport,
} from '../core/api/datasets.ts';
export type { FormatDefinition, ValidationLevel } from '../core/datasets.ts';

export type DatasetClient = ReturnType<typeof createDatasetClient>;

export function createDatasetClient(options: ClientOptions) {
  const { url, json } = createTransport(options);
  const seg = (s: string | number) => encodeURIComponent(String(s));

  return {
    url,
    /** Registers the next version of a dataset (a failing one too: see `report.passed`). */
    register: (input: RegisterDatasetInput) => json<RegisteredDataset>('POST', '/api/v1/datasets', { body: input }),
    list: async () => (await json<{ datasets: DatasetSummary[] }>('GET', '/api/v1/datasets')).datasets,
    versions: async (name: string) => (await json<{ versions: DatasetVersion[] }>('GET', `/api/v1/datasets/${seg(name)}`)).versions,
    /** A version (default: the latest) with the report of each validation. */
    get: (name: string, version?: number) => json<DatasetDetail>('GET', `/api/v1/datasets/${seg(name)}/${version ?? 'latest'}`),
    /** Validates a registered version again and records it. */
    check: (name: string, version: number | undefined, input: CheckInput) =>
      json<CheckedDataset>('POST', `/api/v1/datasets/${seg(name)}/${version ?? 'latest'}/validations`, { body: input }),
    /** Validates a server-local path without registering it. */
    validate: (input: ValidateInput) => json<ValidationReport>('POST', '/api/v1/datasets/validate', { body: input }),
    runs: (name: string, version?: number) => json<DatasetRuns>('GET', `/api/v1/datasets/${seg(name)}/${version ?? 'latest'}/runs`),
    formats: async () => (await json<{ formats: ListedFormat[] }>('GET', '/api/v1/datasets/formats')).formats,
    format: (name: string) => json<ApiFormat>('GET', `/api/v1/datasets/formats/${seg(name)}`),
    registerFormat: (definition: FormatDefinition) => json<ApiFormat>('PUT', `/api/v1/datasets/formats/${seg(definition.name)}`, { body: definition }),
  };
}
