/**
 * The operations of `/openapi.json`, flattened: method, path template, parameters with their
 * schemas, and the request body's content type and schema.
 */
import type { Schema } from './schema-values.ts';

export interface Parameter {
  readonly in: 'path' | 'query' | 'header';
  readonly name: string;
  readonly required: boolean;
  readonly schema: Schema;
}

export interface Operation {
  readonly method: string;
  /** `/api/v1/jobs/{id}` */
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body: { readonly contentType: string; readonly schema: Schema; readonly required: boolean } | null;
  /** False for routes that need no token (`security: []`). */
  readonly secured: boolean;
}

export interface ApiDocument {
  readonly operations: readonly Operation[];
  readonly components: Record<string, Schema>;
}

export function readOperations(document: any): ApiDocument {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(document.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const content = op.requestBody?.content ?? {};
      const contentType = Object.keys(content)[0];
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []).map((p: any) => ({ in: p.in, name: p.name, required: p.required === true || p.in === 'path', schema: p.schema ?? {} })),
        body: contentType ? { contentType, schema: content[contentType].schema ?? {}, required: op.requestBody?.required === true } : null,
        secured: !(Array.isArray(op.security) && op.security.length === 0),
      });
    }
  }
  return { operations, components: document.components?.schemas ?? {} };
}
