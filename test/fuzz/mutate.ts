/**
 * Mutations of a valid-ish JSON value, one to three per case, each at a random place: a wrong
 * type, a missing or an extra field, a hostile string or number, a path that climbs out, a huge
 * string or array, deep nesting, and text JSON cannot carry (NaN, duplicate keys) spliced into
 * the serialized body through placeholders (`Raw`).
 */
import { HOSTILE_NUMBERS, HOSTILE_STRINGS, hostileString, NON_JSON_NUMBERS } from './hostile.ts';
import type { Random } from './random.ts';

/** Text spliced into the JSON in place of a value (a placeholder string until `serialize`). */
export class Raw {
  constructor(readonly text: string) {}
}

/** Field names that hold a path on the server's machine (or a name that becomes one). */
export const PATH_LIKE = /path|dir|cwd|file|dest|root|folder|target|name|source|output|artifact|checkpoint|dataset/i;

export interface MutationContext {
  readonly random: Random;
  /** Hostile paths, the fixture's symlinks among them. */
  readonly paths: readonly string[];
}

type Slot = { parent: Record<string, unknown> | unknown[] | null; key: string | number; value: unknown };

/** Every place a value sits, the root included. */
function slots(root: unknown): Slot[] {
  const out: Slot[] = [{ parent: null, key: '', value: root }];
  const visit = (value: unknown, depth: number) => {
    if (depth > 20 || value === null || typeof value !== 'object' || value instanceof Raw) return;
    for (const [key, child] of Object.entries(value)) {
      const k = Array.isArray(value) ? Number(key) : key;
      out.push({ parent: value as Record<string, unknown>, key: k, value: child });
      visit(child, depth + 1);
    }
  };
  visit(root, 0);
  return out;
}

/** A long array, as text: walking or serializing 100,000 items per case would make the client the bottleneck. */
function hugeArray(random: Random): Raw {
  const item = random.pick(['0', '"x"', 'null', '{}']);
  const length = random.pick([1000, 100_000]);
  return new Raw(memo(`array ${item} ${length}`, () => `[${new Array(length).fill(item).join(',')}]`));
}

function deep(random: Random): Raw {
  const depth = random.pick([64, 1000, 10_000, 100_000]);
  return random.chance(0.5)
    ? new Raw(memo(`arrays ${depth}`, () => '['.repeat(depth) + ']'.repeat(depth)))
    : new Raw(memo(`objects ${depth}`, () => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));
}

const made = new Map<string, string>();

/** The same large text for every case that asks for it (made once). */
function memo(key: string, make: () => string): string {
  let text = made.get(key);
  if (text === undefined) made.set(key, (text = make()));
  return text;
}

/** A value as text, whatever it holds (an object with a `toString` key breaks `String()`). */
function textOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return JSON.stringify(value) ?? 'undefined';
  }
}

/** A replacement for a value that sits under `key`. */
function replacement(ctx: MutationContext, key: string | number, current: unknown): unknown {
  const { random } = ctx;
  const plausible = typeof current === 'string' ? current : 'fuzz';
  switch (random.int(0, 13)) {
    case 0: return random.pick([null, true, false, 0, '', [], {}, 'x', [null], { '': null }]);
    case 1: return random.pick(HOSTILE_NUMBERS);
    case 2: return new Raw(random.pick(NON_JSON_NUMBERS));
    case 3: return hostileString(random, plausible);
    case 4:
    case 5: return typeof key === 'string' && PATH_LIKE.test(key) ? random.pick(ctx.paths) : random.pick(HOSTILE_STRINGS);
    case 6: return 'x'.repeat(random.pick([1000, 70_000])); // past every maxLength; bigger only grows the stored rows
    case 7: return hugeArray(random);
    case 8: return deep(random);
    case 9: return new Raw('{"k":1,"k":"two","k":{}}');
    case 10: return new Raw('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}');
    case 11: return typeof current === 'number' ? -current : typeof current === 'string' ? [current] : textOf(current);
    case 12: return typeof current === 'number' ? current + random.pick([1, -1, 0.5, 1e6]) : { value: current };
    default: return random.pick(ctx.paths);
  }
}

/** Applies one to three mutations to `value` (mutated in place where it can be); returns the result. */
export function mutate(value: unknown, ctx: MutationContext): unknown {
  const { random } = ctx;
  let root = value;
  const count = random.int(1, 3);
  for (let i = 0; i < count; i++) {
    const all = slots(root);
    const slot = random.pick(all);
    const op = random.int(0, 5);
    const container = slot.value !== null && typeof slot.value === 'object' && !(slot.value instanceof Raw) ? slot.value as Record<string, unknown> : null;
    if (op === 0 && slot.parent && !Array.isArray(slot.parent)) {
      delete (slot.parent as Record<string, unknown>)[slot.key as string]; // a required field missing
    } else if (op === 1 && container && !Array.isArray(container)) {
      const extra = random.pick(['extra', '__proto__', 'constructor', '', 'a'.repeat(10_000), '\u0000', '😀', 'toString', ...HOSTILE_STRINGS.slice(0, 8)]);
      Object.defineProperty(container, extra, { value: replacement(ctx, extra, undefined), enumerable: true, configurable: true, writable: true });
    } else {
      const next = replacement(ctx, slot.key, slot.value);
      if (slot.parent) (slot.parent as Record<string | number, unknown>)[slot.key] = next;
      else root = next;
    }
  }
  return root;
}

/** JSON text with every `Raw` spliced in. */
export function serialize(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v) => {
    if (v instanceof Raw) {
      raws.push(v.text);
      return `@@raw${raws.length - 1}@@`;
    }
    return v;
  });
  if (text === undefined) return '';
  return raws.length === 0 ? text : text.replace(/"@@raw(\d+)@@"/g, (_m, i: string) => raws[Number(i)]);
}
