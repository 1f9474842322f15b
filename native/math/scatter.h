// native/math/scatter.h — the per-element definitions the scatter ops (ScatterElements,
// ScatterND) and TopK share on every backend (cpu/ops/indexing.cc, cuda/indexing.cu).
// Scatter reductions combine the value so far with one update, in the updates' index
// order (docs/numerics/indexing.md); TopK orders elements by one strict total order,
// so any sort (CPU) or rank count (CUDA) finds the same permutation.
#pragma once

#include <type_traits>

#include "canonical.h"
#include "common.h"

namespace aivm {
namespace math {

// ScatterElements' / ScatterND's reduction attribute; NONE: the update replaces.
enum class ScatterReduce { NONE, ADD, MUL, MAX, MIN };

// acc combined with one update u. Floats: one IEEE + or * (NaN results canonical), or
// the canonical max/min (NaN wins, +0 > -0); integers: wrapping + and *, plain compares.
template <ScatterReduce R, class T> AIVM_MATH_FN T scatter_combine(T acc, T u) {
  if constexpr (R == ScatterReduce::NONE) {
    return u;
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if constexpr (R == ScatterReduce::ADD) return canon(acc + u);
    if constexpr (R == ScatterReduce::MUL) return canon(acc * u);
    if constexpr (R == ScatterReduce::MAX) {
      if constexpr (std::is_same_v<T, float>) return max_f32(acc, u);
      else return max_f64(acc, u);
    }
    if constexpr (R == ScatterReduce::MIN) {
      if constexpr (std::is_same_v<T, float>) return min_f32(acc, u);
      else return min_f64(acc, u);
    }
  } else {
    using U = std::make_unsigned_t<T>;
    if constexpr (R == ScatterReduce::ADD) return T(U(acc) + U(u));
    if constexpr (R == ScatterReduce::MUL) return T(U(acc) * U(u));
    if constexpr (R == ScatterReduce::MAX) return u > acc ? u : acc;
    if constexpr (R == ScatterReduce::MIN) return u < acc ? u : acc;
  }
  return u;  // unreachable
}

// TopK's order: whether element (a, ia) comes before (b, ib) in the output. LARGEST:
// greater values first; else smaller first. A NaN is greater than every number (so
// first for largest, last for smallest, as onnxruntime); NaNs tie with each other and
// -0 with +0 (IEEE equality); every tie goes to the lower index.
template <bool LARGEST, class T> AIVM_MATH_FN bool topk_precedes(T a, int64_t ia, T b, int64_t ib) {
  const bool na = a != a, nb = b != b;  // false for integers
  if (na || nb) {
    if (na && nb) return ia < ib;
    return LARGEST ? na : nb;
  }
  if (a == b) return ia < ib;
  return LARGEST ? a > b : a < b;
}

}  // namespace math
}  // namespace aivm
