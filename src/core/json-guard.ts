/**
 * Limits on the shape of JSON a user sends, checked once it is parsed and before anything
 * walks it recursively: nesting depth (serialising, storing and printing a deeply nested
 * value overflows the stack), and keys that JavaScript treats as an object's prototype.
 * Iterative, so the check itself cannot overflow.
 */

/**
 * Deepest nesting of objects and arrays in one field. Default: 64: real configs (Hydra,
 * sweep grids) stay under 10 levels, and 64 is far below where `JSON.stringify` overflows.
 */
export const MAX_JSON_DEPTH = 64;

export interface JsonProblem {
  /** Dotted path of the field at fault ("params", "params.a.__proto__"); null for the whole value. */
  readonly field: string | null;
  readonly message: string;
}

interface Frame {
  readonly value: unknown;
  /** Containers from the top-level field's value down to this one, this one included. */
  readonly depth: number;
  readonly key: string | null;
  readonly parent: Frame | null;
  /** The top-level field's frame this one lies in (itself for a top-level field, null for the root). */
  readonly top: Frame | null;
}

/**
 * The first problem in a parsed JSON value, or null. Depth is counted per top-level field
 * (`{"params": {"a": {}}}` nests `params` 2 levels deep) and reported for that field.
 */
export function findJsonProblem(value: unknown, options: { maxDepth?: number } = {}): JsonProblem | null {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const rootIsObject = isPlainObject(value);
  const stack: Frame[] = [{ value, depth: rootIsObject ? 0 : 1, key: null, parent: null, top: null }];
  let tooDeep: { top: Frame; depth: number } | null = null;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value: v, depth } = frame;
    if (depth > maxDepth) {
      // Report the first field found too deep, with its full depth (its subtree is walked on).
      const top = frame.top ?? frame;
      if (tooDeep === null) tooDeep = { top, depth };
      else if (tooDeep.top === top && depth > tooDeep.depth) tooDeep = { top, depth };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) if (isContainer(v[i])) stack.push(child(frame, v[i], String(i)));
    } else if (isPlainObject(v)) {
      for (const key of Object.keys(v)) {
        const item = (v as Record<string, unknown>)[key];
        const forbidden = forbiddenKey(key, item);
        if (forbidden) return { field: pathOf(child(frame, item, key)), message: forbidden };
        if (isContainer(item)) stack.push(child(frame, item, key));
      }
    }
  }
  if (tooDeep === null) return null;
  return { field: rootIsObject ? tooDeep.top.key : null, message: `nested ${tooDeep.depth} levels deep; the limit is ${maxDepth}` };
}

function forbiddenKey(key: string, value: unknown): string | null {
  if (key === '__proto__') {
    return 'the key "__proto__" is refused: JavaScript reads it as the object\'s prototype, so it could change other objects (prototype pollution); rename the key';
  }
  if (key === 'constructor' && isPlainObject(value) && Object.hasOwn(value, 'prototype')) {
    return 'a "constructor" object with a "prototype" key is refused: JavaScript could read it as a class prototype (prototype pollution); rename the key';
  }
  return null;
}

function child(parent: Frame, value: unknown, key: string): Frame {
  const frame: { -readonly [K in keyof Frame]: Frame[K] } = { value, depth: parent.depth + 1, key, parent, top: parent.top };
  frame.top ??= frame;
  return frame;
}

/** "params.a.0.__proto__": keys from the root, joined by dots. */
function pathOf(frame: Frame): string {
  const keys: string[] = [];
  for (let f: Frame | null = frame; f !== null; f = f.parent) if (f.key !== null) keys.push(f.key);
  return keys.reverse().join('.');
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
