/**
 * The last step of `/openapi.json`: the response schemas that routes name (`core/api/`, each
 * with a `meta({id})`) become `components.schemas`, referenced by `$ref`, so a generated
 * client gets one named type per object (`Job`, `Run`, `Checkpoint`…). Only the components
 * the document uses are kept: the zod provider also emits an input variant of each. A success
 * answer that says nothing of itself is described by its status ("OK", not "Default Response").
 */
import { jsonSchemaTransformObject } from 'fastify-type-provider-zod';

type TransformObject = typeof jsonSchemaTransformObject;

const PREFIX = '#/components/schemas/';

const REASONS: Readonly<Record<string, string>> = { 200: 'OK', 201: 'Created', 204: 'No Content' };

export const describeOpenApi: TransformObject = (document) => {
  const described = jsonSchemaTransformObject(document) as { paths?: unknown; components?: { schemas?: Record<string, unknown> } };
  const schemas = described.components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(PREFIX)) {
        const name = value.slice(PREFIX.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else {
        visit(value);
      }
    }
  };
  visit(described.paths);
  for (const item of Object.values((described.paths ?? {}) as Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>)) {
    for (const operation of Object.values(item)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (response.description === 'Default Response' && REASONS[status]) response.description = REASONS[status];
      }
    }
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...described, components: { ...described.components, schemas: kept } } as ReturnType<TransformObject>;
};
