/**
 * Valid-ish values from a JSON Schema (the subset `/openapi.json` uses: type, enum, const,
 * anyOf/oneOf/allOf, properties/required/additionalProperties/propertyNames, items, bounds,
 * pattern, format, $ref). "Valid-ish": what the schema asks for where it is easy to make, so
 * that mutations land one step away from a request the server would accept. Fields whose name
 * says what they are (a path, a command, a URL, an id) get a value from `Hints` instead.
 */
import type { Random } from './random.ts';

export type Schema = Record<string, any>;

/** Values the fixture knows are real, and the harmless values for fields that act. */
export interface Hints {
  /** The value for a field called `key` (its parents in `path`), or undefined to generate one. */
  field(key: string, path: readonly string[], random: Random): unknown;
}

export interface Generator {
  value(schema: Schema, random: Random, path?: readonly string[]): unknown;
}

/** Strings that pass the patterns the API uses for names, tags, env variables and fields. */
const NAME_CANDIDATES = ['fuzz', 'fuzz-1', 'a', 'A_1', 'fuzz.v1', 'x1', 'loss', 'fuzz_a'];

export function createGenerator(components: Record<string, Schema>, hints: Hints): Generator {
  function resolve(schema: Schema): Schema {
    let s = schema;
    for (let i = 0; s && typeof s.$ref === 'string' && i < 10; i++) {
      s = components[s.$ref.replace('#/components/schemas/', '')] ?? {};
    }
    return s ?? {};
  }

  function string(s: Schema, random: Random, key: string): string {
    if (s.format === 'uri' || /url$/i.test(key)) return 'http://127.0.0.1:1/fuzz';
    if (s.pattern) {
      let re: RegExp | null = null;
      try {
        re = new RegExp(s.pattern, 'u');
      } catch {
        re = null;
      }
      const found = NAME_CANDIDATES.find((c) => !re || re.test(c));
      if (found) return found;
      if (re?.test('0123456789abcdef')) return '0123456789abcdef';
    }
    const min = s.minLength ?? 0;
    const max = Math.min(s.maxLength ?? 12, 12);
    const length = Math.max(min, random.int(Math.min(1, max), Math.max(1, max)));
    let out = '';
    for (let i = 0; i < length; i++) out += 'abcdefghijklmnopqrstuvwxyz0123456789'[random.int(0, 35)];
    return out;
  }

  function number(s: Schema, random: Random, integer: boolean): number {
    const low = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 0.5) : 0);
    const high = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (integer ? 1 : 0.5) : low + 100);
    const span = Math.min(high - low, 1000);
    const v = low + random.next() * span;
    return integer ? Math.ceil(v) : v;
  }

  function value(schema: Schema, random: Random, path: readonly string[] = []): unknown {
    const s = resolve(schema);
    const key = path[path.length - 1] ?? '';
    const hinted = key ? hints.field(key, path, random) : undefined;
    if (hinted !== undefined) return hinted;
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum)) return random.pick(s.enum);
    if (Array.isArray(s.allOf)) return Object.assign({}, ...s.allOf.map((part: Schema) => value(part, random, path)));
    const options = s.anyOf ?? s.oneOf;
    if (Array.isArray(options)) return value(random.pick(options), random, path);
    const type = Array.isArray(s.type) ? random.pick(s.type) : s.type;
    switch (type) {
      case 'string': return string(s, random, key);
      case 'integer': return number(s, random, true);
      case 'number': return number(s, random, false);
      case 'boolean': return random.chance(0.5);
      case 'null': return null;
      case 'array': {
        const min = s.minItems ?? 0;
        const n = Math.max(min, random.int(0, Math.min(s.maxItems ?? 3, 3)));
        return Array.from({ length: n }, (_, i) => value(s.items ?? {}, random, [...path, String(i)]));
      }
      case 'object':
      default: {
        if (!s.properties && !s.additionalProperties && type !== 'object') return random.pick([1, 'x', true, null]);
        const out: Record<string, unknown> = {};
        const required = new Set<string>(s.required ?? []);
        for (const [name, child] of Object.entries<Schema>(s.properties ?? {})) {
          if (required.has(name) || random.chance(0.5)) out[name] = value(child, random, [...path, name]);
        }
        if (s.additionalProperties && typeof s.additionalProperties === 'object' && random.chance(0.5)) {
          const name = s.propertyNames?.pattern ? string(s.propertyNames, random, '') : random.pick(NAME_CANDIDATES);
          out[name] = value(s.additionalProperties, random, [...path, name]);
        }
        return out;
      }
    }
  }

  return { value };
}
