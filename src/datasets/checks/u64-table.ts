/**
 * An open-addressing hash table of 64-bit keys (two uint32 halves) to a number, in typed
 * arrays: about 22 bytes a slot, no object per entry, so millions of rows fit in tens of MB.
 * A slot's key halves and its used flag sit side by side, so a probe touches one cache line.
 * Each slot also has a saturating 16-bit counter (`bump`). Linear probing; grows at 70 % load.
 */

const MAX_LOAD = 0.7;

export class U64Table {
  /** Per slot: key a, key b, used (0 or 1). */
  private keys: Uint32Array;
  private vals: Float64Array;
  private counts: Uint16Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity / MAX_LOAD) capacity *= 2;
    this.keys = new Uint32Array(capacity * 3);
    this.vals = new Float64Array(capacity);
    this.counts = new Uint16Array(capacity);
    this.mask = capacity - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Bytes held by the arrays. */
  get bytes(): number {
    return (this.mask + 1) * 22;
  }

  /** The slot of key (a, b), or -1. */
  find(a: number, b: number): number {
    a >>>= 0;
    b >>>= 0;
    const keys = this.keys;
    let i = slotHash(a, b) & this.mask;
    for (;;) {
      const k = i * 3;
      if (keys[k + 2] === 0) return -1;
      if (keys[k] === a && keys[k + 1] === b) return i;
      i = (i + 1) & this.mask;
    }
  }

  /**
   * Inserts (a, b) → value unless present. Returns the slot; `inserted` says which. A slot is
   * valid until the next insert (growth moves entries).
   */
  insert(a: number, b: number, value: number): number {
    if (this.size + 1 > (this.mask + 1) * MAX_LOAD) this.grow();
    a >>>= 0;
    b >>>= 0;
    const keys = this.keys;
    let i = slotHash(a, b) & this.mask;
    for (;;) {
      const k = i * 3;
      if (keys[k + 2] === 0) {
        keys[k] = a;
        keys[k + 1] = b;
        keys[k + 2] = 1;
        this.vals[i] = value;
        this.counts[i] = 0;
        this.size++;
        this.inserted = true;
        return i;
      }
      if (keys[k] === a && keys[k + 1] === b) {
        this.inserted = false;
        return i;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Whether the last `insert` added its key. */
  inserted = false;

  value(slot: number): number {
    return this.vals[slot];
  }

  count(slot: number): number {
    return this.counts[slot];
  }

  /** Adds one to the slot's counter (saturates at 65,535). */
  bump(slot: number): void {
    if (this.counts[slot] < 0xffff) this.counts[slot]++;
  }

  /** Calls `fn` with every key, in slot order. */
  forEachKey(fn: (a: number, b: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i <= this.mask; i++) if (keys[i * 3 + 2] !== 0) fn(keys[i * 3], keys[i * 3 + 1]);
  }

  /** Copies the entries into columns (for sorting and spilling). */
  columns(): { a: Uint32Array; b: Uint32Array; values: Float64Array } {
    const a = new Uint32Array(this.size);
    const b = new Uint32Array(this.size);
    const values = new Float64Array(this.size);
    const keys = this.keys;
    let k = 0;
    for (let i = 0; i <= this.mask; i++) {
      if (keys[i * 3 + 2] === 0) continue;
      a[k] = keys[i * 3];
      b[k] = keys[i * 3 + 1];
      values[k++] = this.vals[i];
    }
    return { a, b, values };
  }

  clear(): void {
    this.keys.fill(0);
    this.size = 0;
  }

  private grow(): void {
    const { keys, vals, counts } = this;
    const old = this.mask + 1;
    const capacity = old * 2;
    this.keys = new Uint32Array(capacity * 3);
    this.vals = new Float64Array(capacity);
    this.counts = new Uint16Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < old; i++) {
      if (keys[i * 3 + 2] === 0) continue;
      const a = keys[i * 3];
      const b = keys[i * 3 + 1];
      let j = slotHash(a, b) & this.mask;
      while (this.keys[j * 3 + 2] !== 0) j = (j + 1) & this.mask;
      this.keys[j * 3] = a;
      this.keys[j * 3 + 1] = b;
      this.keys[j * 3 + 2] = 1;
      this.vals[j] = vals[i];
      this.counts[j] = counts[i];
    }
  }
}

function slotHash(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
