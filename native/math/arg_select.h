// native/math/arg_select.h — the scan ArgMax and ArgMin share on every backend
// (cpu/ops/reduce.cc, cuda/reduce.cu): elements are visited in increasing index
// and each may replace the best so far. A NaN is the winner of both (numpy's
// rule: the first NaN, or with select_last_index the last); otherwise IEEE
// compares, so -0 and +0 tie and the first (or last) of a tie wins.
#pragma once

#include "common.h"

namespace aivm {
namespace math {

template <class T> AIVM_MATH_FN bool arg_is_nan(T v) { return v != v; }  // false for integers

// Whether element v replaces the best so far, `best`.
template <bool MAX, bool LAST, class T> AIVM_MATH_FN bool arg_replaces(T v, T best) {
  if (arg_is_nan(best)) return LAST && arg_is_nan(v);
  if (arg_is_nan(v)) return true;
  if constexpr (LAST) return MAX ? v >= best : v <= best;
  else return MAX ? v > best : v < best;
}

// The winning index of x[0], x[stride], ..., x[(n-1)*stride] (n >= 1).
template <bool MAX, bool LAST, class T> AIVM_MATH_FN int64_t arg_select(const T* x, int64_t n, int64_t stride) {
  int64_t at = 0;
  T best = x[0];
  for (int64_t k = 1; k < n; ++k) {
    const T v = x[k * stride];
    if (arg_replaces<MAX, LAST>(v, best)) {
      best = v;
      at = k;
    }
  }
  return at;
}

}  // namespace math
}  // namespace aivm
