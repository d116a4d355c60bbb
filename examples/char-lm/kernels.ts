// The array kernels the model is built from. All matrices are row-major typed arrays.
//
// Every product is written as C = A·Bᵀ, so each output element is a dot product of two
// contiguous rows accumulated in registers; V8 runs that form several times faster than the
// "axpy" form that stores into the output on every multiply. The 2×2 blocking below reuses each
// loaded value twice (≈ 0.8 GFLOP/s multiply-adds on one core of a modern Xeon).
export type Vec = Float32Array | Float64Array;

/** out[i, j] = Σ_p A[i, p] · B[j, p] (+ bias[j]) for A: n × k, B: m × k, out: n × m. */
export function matmulABt(A: Vec, B: Vec, out: Vec, n: number, m: number, k: number, bias: Vec | null = null): void {
  for (let i = 0; i < n; i += 2) {
    const hasI1 = i + 1 < n;
    const a0 = i * k;
    const a1 = hasI1 ? a0 + k : a0; // an odd last row is computed twice, written once
    for (let j = 0; j < m; j += 2) {
      const hasJ1 = j + 1 < m;
      const b0 = j * k;
      const b1 = hasJ1 ? b0 + k : b0;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = A[a0 + p], x1 = A[a1 + p], y0 = B[b0 + p], y1 = B[b1 + p];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      const c0 = bias ? bias[j] : 0;
      const c1 = bias && hasJ1 ? bias[j + 1] : 0;
      const o = i * m + j;
      out[o] = s00 + c0;
      if (hasJ1) out[o + 1] = s01 + c1;
      if (hasI1) {
        out[o + m] = s10 + c0;
        if (hasJ1) out[o + m + 1] = s11 + c1;
      }
    }
  }
}

/** dst (cols × rows) = srcᵀ for src: rows × cols. */
export function transpose(src: Vec, rows: number, cols: number, dst: Vec): void {
  for (let r = 0; r < rows; r++) {
    const so = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[so + c];
  }
}

/** out[j] = Σ_i M[i, j] for M: rows × cols (sums a batch of row vectors). */
export function sumRows(M: Vec, rows: number, cols: number, out: Vec): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c] += M[o + c];
  }
}
