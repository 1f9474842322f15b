// The 2-D pooling geometry of MaxPool / AveragePool (kernel, strides,
// dilations, pads, auto_pad, ceil_mode, count_include_pad; docs/numerics/pool.md),
// resolved once by the contract's infer (native/ops/pool.cc) and kept for the
// CPU (cpu/ops/pool.cc) and CUDA (cuda/pool.cu) computes (ops/op.h Params), so
// both use the same output sizes, pads and AveragePool counts.
// Compiled once, with baseline flags (native/ops): every ISA copy of the op
// and the CUDA op call the same code.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "aivm/error.h"
#include "ops/op.h"

namespace aivm::ops {

// Attribute values above this are refused: keeps (k-1)*d and pads sums far
// inside int64 whatever the input shape.
constexpr int64_t kPoolMaxAttrValue = int64_t(1) << 31;

enum class AutoPad { NOTSET, SAME_UPPER, SAME_LOWER, VALID };

// The resolved geometry of one spatial dim.
struct PoolDim {
  int64_t in;         // input size
  int64_t out;        // output size
  int64_t kernel;     // taps
  int64_t stride;
  int64_t dilation;
  int64_t pad_begin;  // padding before the input (windows start at o*stride - pad_begin)
  int64_t pad_end;    // padding after the input (before any ceil_mode overhang)
};

struct PoolGeom {
  int64_t n, c;
  PoolDim h, w;
  bool count_include_pad;
};

int64_t pool_floor_div(int64_t a, int64_t b);  // b > 0

std::string pool_ints_str(const std::vector<int64_t>& v);

// Reads an INTS attribute that must hold `len` values in [lo, kPoolMaxAttrValue).
std::vector<int64_t> pool_ints_attr(const OpContext& ctx, const char* name, size_t len, int64_t lo,
                                    const std::vector<int64_t>& fallback, bool* present = nullptr);

int64_t pool_flag_attr(const OpContext& ctx, const char* name);

// Output size of one dim, ONNX/onnxruntime rules (docs/numerics/pool.md).
void pool_resolve_dim(const OpContext& ctx, PoolDim& d, AutoPad auto_pad, bool ceil_mode,
                      const char* axis);

// Validates every attribute of MaxPool / AveragePool and computes the geometry.
// Checks X (a float32 N x C x H x W tensor with H, W >= 1) first.
PoolGeom pool_geometry(const OpContext& ctx, bool is_max);

// Number of taps of window o that AveragePool divides by: taps on the input,
// or (count_include_pad) taps on the input or its explicit/auto padding, never
// the ceil_mode overhang past pad_end.
int64_t pool_tap_count(const PoolDim& d, int64_t o, bool include_pad);

}  // namespace aivm::ops
