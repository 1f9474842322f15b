// The CUDA backend's computes. Each family file (native/cuda/<family>.cu) adds a
// CUDA compute per op to the 'cuda' ComputeTable; the contracts (infer, host
// code, the same for every backend) are native/ops'. An op missing here leaves
// a hole in the table, which the engine's completeness check names.
#pragma once
#include "ops/op.h"

namespace aivm::cuda {

#define AIVM_DECLARE_CUDA_COMPUTES_(family) void add_##family##_computes(ComputeTable& table);
AIVM_OP_FAMILIES(AIVM_DECLARE_CUDA_COMPUTES_)
#undef AIVM_DECLARE_CUDA_COMPUTES_

// The 'cuda' compute table (built once; safe to share between threads).
const ComputeTable& compute_table();

}  // namespace aivm::cuda
