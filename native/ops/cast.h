// Cast's parameters, read once by its contract (native/ops/cast.cc) and kept for
// the CPU (cpu/ops/cast.cc) and CUDA (cuda/cast.cu) computes (ops/op.h Params):
// saturate and round_mode, which only the float8 targets read
// (math/convert.h CastMode, docs/numerics/cast.md).
#pragma once
#include "math/convert.h"
#include "ops/op.h"

namespace aivm::ops {

struct CastParams {
  math::CastMode mode;
};

}  // namespace aivm::ops
