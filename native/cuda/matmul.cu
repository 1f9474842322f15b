// STUB: replaced by the matmul family
#include "cuda/ops.h"

namespace aivm::cuda {
void register_matmul(ComputeMap&) {}
}  // namespace aivm::cuda
