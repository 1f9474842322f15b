#include "cuda/ops.h"

namespace aivm::cuda {

static ComputeTable build_table() {
  ComputeTable t;
#define AIVM_ADD_CUDA_COMPUTES_(family) add_##family##_computes(t);
  AIVM_OP_FAMILIES(AIVM_ADD_CUDA_COMPUTES_)
#undef AIVM_ADD_CUDA_COMPUTES_
  return t;
}

const ComputeTable& compute_table() {
  static const ComputeTable table = build_table();
  return table;
}

}  // namespace aivm::cuda
