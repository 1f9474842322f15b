// Non-negative least squares on relative error: the coefficients c >= 0 that
// minimise sum_i (f_i . c / t_i - 1)^2, so a 100 ns case weighs as much as a
// 100 ms one (gas must price both). Lawson-Hanson active set; the systems are
// tiny (a handful of features), solved by Gaussian elimination in float64.

function solve(A, b) {
  // Least squares of the columns in A (rows x k) by the normal equations.
  const k = A[0].length;
  const M = Array.from({ length: k }, () => new Array(k + 1).fill(0));
  for (const [r, row] of A.entries()) {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) M[i][j] += row[i] * row[j];
      M[i][k] += row[i] * b[r];
    }
  }
  for (let i = 0; i < k; i++) {
    let p = i;
    for (let r = i + 1; r < k; r++) if (Math.abs(M[r][i]) > Math.abs(M[p][i])) p = r;
    [M[i], M[p]] = [M[p], M[i]];
    if (Math.abs(M[i][i]) < 1e-300) return null;
    for (let r = 0; r < k; r++) {
      if (r === i) continue;
      const f = M[r][i] / M[i][i];
      for (let c = i; c <= k; c++) M[r][c] -= f * M[i][c];
    }
  }
  return M.map((row, i) => row[k] / row[i]);
}

/**
 * rows: feature vectors (numbers), times: measured ns. Returns coefficients
 * (ns per unit of each feature), >= 0. Columns are scaled to unit norm first,
 * because features span 1 to 1e11.
 */
export function fitNonNegative(rows, times, weights = rows.map(() => 1)) {
  const n = rows[0].length;
  const A = rows.map((f, i) => f.map((v) => (v / times[i]) * Math.sqrt(weights[i])));
  const scale = Array.from({ length: n }, (_, j) => Math.sqrt(A.reduce((s, r) => s + r[j] * r[j], 0)) || 1);
  const As = A.map((r) => r.map((v, j) => v / scale[j]));
  const b = weights.map((w) => Math.sqrt(w));
  const passive = new Set();
  let x = new Array(n).fill(0);
  const residual = () => As.map((r, i) => b[i] - r.reduce((s, v, j) => s + v * x[j], 0));
  for (let iter = 0; iter < 50; iter++) {
    const res = residual();
    const grad = Array.from({ length: n }, (_, j) => As.reduce((s, r, i) => s + r[j] * res[i], 0));
    let best = -1;
    for (let j = 0; j < n; j++) if (!passive.has(j) && grad[j] > 1e-12 && (best < 0 || grad[j] > grad[best])) best = j;
    if (best < 0) break;
    passive.add(best);
    for (;;) {
      const cols = [...passive];
      const z = solve(As.map((r) => cols.map((j) => r[j])), b);
      if (!z) { passive.delete(best); break; }
      if (z.every((v) => v > 0)) {
        x = new Array(n).fill(0);
        cols.forEach((j, i) => (x[j] = z[i]));
        break;
      }
      // Step towards z until a coefficient reaches zero; drop it.
      let alpha = 1;
      cols.forEach((j, i) => {
        if (z[i] <= 0) alpha = Math.min(alpha, x[j] / (x[j] - z[i]));
      });
      cols.forEach((j, i) => {
        x[j] += alpha * (z[i] - x[j]);
        if (x[j] <= 1e-15) {
          x[j] = 0;
          passive.delete(j);
        }
      });
      if (passive.size === 0) break;
    }
  }
  return x.map((v, j) => v / scale[j]);
}

/**
 * What gas needs is a narrow band of time per gas, i.e. a small worst ratio, not
 * a small average error: Lawson's iteration reweights each case by its error
 * and refits, moving the least-squares fit towards the minimax one.
 */
export function fitMinimax(rows, times, iterations = 30) {
  let weights = rows.map(() => 1);
  let best = null;
  for (let it = 0; it <= iterations; it++) {
    const c = fitNonNegative(rows, times, weights);
    const errors = rows.map((f, i) => Math.abs(Math.log(f.reduce((s, v, j) => s + v * c[j], 0) / times[i])));
    const worst = Math.max(...errors);
    if (!best || worst < best.worst) best = { c, worst };
    const total = weights.reduce((s, w, i) => s + w * errors[i], 0) || 1;
    weights = weights.map((w, i) => Math.max(1e-9, (w * errors[i]) / total));
  }
  return best.c;
}
