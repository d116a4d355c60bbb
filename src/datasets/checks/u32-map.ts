/**
 * A lean open-addressing map from uint32 keys to non-negative int32 values (8 bytes a slot), for
 * the near-duplicate band buckets where millions of entries must stay small. Grows at 70 % load.
 */

const MAX_LOAD = 0.7;

export class U32Map {
  private keys: Uint32Array;
  /** -1 marks an empty slot. */
  private vals: Int32Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity / MAX_LOAD) capacity *= 2;
    this.keys = new Uint32Array(capacity);
    this.vals = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  /** The value stored under `key`, or, when absent, stores `value` and returns -1. */
  getOrSet(key: number, value: number): number {
    if (this.size + 1 > (this.mask + 1) * MAX_LOAD) this.grow();
    key >>>= 0;
    let i = Math.imul(key, 0x9e3779b1) >>> 0 & this.mask;
    for (;;) {
      const v = this.vals[i];
      if (v === -1) {
        this.keys[i] = key;
        this.vals[i] = value;
        this.size++;
        return -1;
      }
      if (this.keys[i] === key) return v;
      i = (i + 1) & this.mask;
    }
  }

  get bytes(): number {
    return (this.mask + 1) * 8;
  }

  private grow(): void {
    const { keys, vals } = this;
    const capacity = (this.mask + 1) * 2;
    this.keys = new Uint32Array(capacity);
    this.vals = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    for (let i = 0; i < vals.length; i++) {
      if (vals[i] === -1) continue;
      let j = Math.imul(keys[i], 0x9e3779b1) >>> 0 & this.mask;
      while (this.vals[j] !== -1) j = (j + 1) & this.mask;
      this.keys[j] = keys[i];
      this.vals[j] = vals[i];
    }
  }
}
