/**
 * An open-addressing hash table of 64-bit keys (two uint32 halves) to a number, in typed
 * arrays: about 17 bytes a slot, no object per entry, so millions of rows fit in tens of MB.
 * Each slot also has a saturating 16-bit counter (`bump`). Linear probing; grows at 70 % load.
 */

const EMPTY = 0;
const USED = 1;
const MAX_LOAD = 0.7;

export class U64Table {
  private ka: Uint32Array;
  private kb: Uint32Array;
  private vals: Float64Array;
  private state: Uint8Array;
  private counts: Uint16Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity / MAX_LOAD) capacity *= 2;
    this.ka = new Uint32Array(capacity);
    this.kb = new Uint32Array(capacity);
    this.vals = new Float64Array(capacity);
    this.state = new Uint8Array(capacity);
    this.counts = new Uint16Array(capacity);
    this.mask = capacity - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Bytes held by the arrays. */
  get bytes(): number {
    return (this.mask + 1) * 19;
  }

  /** The slot of key (a, b), or -1. */
  find(a: number, b: number): number {
    a >>>= 0;
    b >>>= 0;
    let i = slotHash(a, b) & this.mask;
    for (;;) {
      if (this.state[i] === EMPTY) return -1;
      if (this.ka[i] === a && this.kb[i] === b) return i;
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
    let i = slotHash(a, b) & this.mask;
    for (;;) {
      if (this.state[i] === EMPTY) {
        this.state[i] = USED;
        this.ka[i] = a;
        this.kb[i] = b;
        this.vals[i] = value;
        this.counts[i] = 0;
        this.size++;
        this.inserted = true;
        return i;
      }
      if (this.ka[i] === a && this.kb[i] === b) {
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

  /** Every entry, in slot order. */
  *entries(): Generator<[a: number, b: number, value: number]> {
    for (let i = 0; i <= this.mask; i++) if (this.state[i] === USED) yield [this.ka[i], this.kb[i], this.vals[i]];
  }

  /** Copies the entries into columns (for sorting and spilling). */
  columns(): { a: Uint32Array; b: Uint32Array; values: Float64Array } {
    const a = new Uint32Array(this.size);
    const b = new Uint32Array(this.size);
    const values = new Float64Array(this.size);
    let k = 0;
    for (let i = 0; i <= this.mask; i++) {
      if (this.state[i] !== USED) continue;
      a[k] = this.ka[i];
      b[k] = this.kb[i];
      values[k++] = this.vals[i];
    }
    return { a, b, values };
  }

  clear(): void {
    this.state.fill(EMPTY);
    this.size = 0;
  }

  private grow(): void {
    const { ka, kb, vals, state, counts } = this;
    const capacity = (this.mask + 1) * 2;
    this.ka = new Uint32Array(capacity);
    this.kb = new Uint32Array(capacity);
    this.vals = new Float64Array(capacity);
    this.state = new Uint8Array(capacity);
    this.counts = new Uint16Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < state.length; i++) {
      if (state[i] !== USED) continue;
      let j = slotHash(ka[i], kb[i]) & this.mask;
      while (this.state[j] !== EMPTY) j = (j + 1) & this.mask;
      this.state[j] = USED;
      this.ka[j] = ka[i];
      this.kb[j] = kb[i];
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
