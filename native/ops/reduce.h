// The reduced-axes plan of ReduceSum/Mean/Max/Min (axes from input 1 or the
// older attribute, keepdims, noop_with_empty_axes) and ArgMax/ArgMin's, made once by the contract's
// infer (native/ops/reduce.cc) and kept for the CPU (cpu/ops/reduce.cc) and CUDA
// (cuda/reduce.cu) computes (ops/op.h Params).
// Compiled once, with baseline flags (native/ops): every ISA copy of the op
// and the CUDA op call the same code.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "aivm/error.h"
#include "aivm/tensor.h"
#include "ops/op.h"

namespace aivm::ops {

struct ReducePlan {
  std::vector<bool> reduced;  // per input axis
  bool identity = false;      // noop_with_empty_axes = 1 with no axes: output = input
  bool keepdims = true;
  Shape out_shape;
};

// ArgMax / ArgMin: the input seen as [outer, dim, inner] around the axis.
struct ArgPlan {
  int64_t outer = 1, dim = 1, inner = 1;
  bool last = false;  // select_last_index
};

}  // namespace aivm::ops
