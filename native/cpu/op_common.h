// Helpers shared by the computes of one ISA. Compiled into each ISA's
// namespace, so a helper's AVX-512 copy can never be linked into the scalar path.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "aivm/error.h"
#include "aivm/limits.h"
#include "ops/op.h"
#include "core/shape_util.h"
#include "cpu/isa.h"
#include "math/canonical.h"
#include "math/common.h"

namespace aivm::cpu::AIVM_ISA_NS {

// Work below this many elements per chunk is not worth a thread hand-off.
constexpr int64_t kMinChunkElements = 16384;

// Rows per parallel chunk for rows of `row` elements each.
inline int64_t rows_per_chunk(int64_t row) { return row >= kMinChunkElements ? 1 : kMinChunkElements / (row > 0 ? row : 1); }

// Calls f(r, c) for each row r in [begin, end) of `shape` (a row = the last axis),
// c being r's coordinates on every axis but the last: decoded once, then counted
// up row by row (no division per row).
template <class F> void for_rows(const Shape& shape, int64_t begin, int64_t end, F f) {
  const int rank = int(shape.size());
  int64_t c[kMaxRank] = {};
  for (int64_t d = rank - 2, rest = begin; d >= 0; --d) {
    c[d] = rest % shape[size_t(d)];
    rest /= shape[size_t(d)];
  }
  for (int64_t r = begin; r < end; ++r) {
    f(r, static_cast<const int64_t*>(c));
    for (int d = rank - 2; d >= 0; --d) {
      if (++c[d] < shape[size_t(d)]) break;
      c[d] = 0;
    }
  }
}

// ---- The canonical reductions of docs/NUMERICS.md --------------------------

// The canonical sum, max/min and NaN (docs/NUMERICS.md) are math/canonical.h's,
// shared with the CUDA kernels.
using math::canonical_nan;
using math::canonical_sum;
using math::kSumLanes;
using math::max_f32;
using math::min_f32;

// Order-preserving integer key of a non-NaN float: the signed order of keys is
// the float order with -0 < +0 (a negative float's magnitude bits are flipped).
// Max/min over keys is branch-free and vectorizes; callers handle NaN apart.
inline int32_t order_key(float x) {
  int32_t b = int32_t(math::f32_to_bits(x));
  return b ^ ((b >> 31) & 0x7FFFFFFF);
}
inline float from_order_key(int32_t k) { return math::f32_from_bits(uint32_t(k ^ ((k >> 31) & 0x7FFFFFFF))); }

// ---- Broadcasting ----------------------------------------------------------

// Walks an output shape row by row (a row = the innermost dimension) and gives
// each input's element offset at the start of the row and its inner stride
// (0 when that input is broadcast along the innermost dimension).
class BroadcastRows {
 public:
  BroadcastRows(const Shape& out, const std::vector<const Shape*>& inputs) : out_(out) {
    rank_ = int(out.size());
    inner_ = rank_ == 0 ? 1 : out[size_t(rank_ - 1)];
    for (const Shape* s : inputs) strides_.push_back(broadcast_strides(*s, out));
  }
  int64_t inner() const { return inner_; }
  int64_t rows() const {
    int64_t n = 1;
    for (int i = 0; i + 1 < rank_; ++i) n *= out_[size_t(i)];
    return inner_ == 0 ? 0 : n;
  }
  int64_t inner_stride(size_t input) const { return rank_ == 0 ? 0 : strides_[input][size_t(rank_ - 1)]; }
  int64_t row_offset(size_t input, int64_t row) const {
    int64_t off = 0;
    for (int d = rank_ - 2; d >= 0; --d) {
      int64_t dim = out_[size_t(d)];
      off += (row % dim) * strides_[input][size_t(d)];
      row /= dim;
    }
    return off;
  }

 private:
  Shape out_;
  int rank_ = 0;
  int64_t inner_ = 1;
  std::vector<std::vector<int64_t>> strides_;
};

}  // namespace aivm::cpu::AIVM_ISA_NS
