// STUB: replaced by the pool family
#include "cuda/ops.h"

namespace aivm::cuda {
void register_pool(ComputeMap&) {}
}  // namespace aivm::cuda
