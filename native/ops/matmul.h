// MatMul's and Gemm's dimensions: worked out from their inputs and attributes
// once, by the contract's infer (native/ops/matmul.cc), and kept for compute
// (ops/op.h Params), so the CPU and CUDA computes see the same M, K, N, batches
// and C broadcast.
#pragma once
#include <cstdint>

#include "ops/op.h"

namespace aivm::ops {

struct MatMulDims {
  bool a_vec = false, b_vec = false;  // 1-D operands (numpy: promoted, then the dim removed)
  int64_t M = 1, K = 0, N = 1;
  Shape batch_a, batch_b, batch;  // batch dims of A, B and their broadcast
  Shape out;
};


struct GemmDims {
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  int64_t M = 0, K = 0, N = 0;
  bool has_c = false;
  int64_t c_rs = 0, c_cs = 0;  // strides of C viewed as broadcast to [M, N]
};


}  // namespace aivm::ops
