// STUB: replaced by the normalization family
#include "cuda/ops.h"

namespace aivm::cuda {
void register_normalization(ComputeMap&) {}
}  // namespace aivm::cuda
