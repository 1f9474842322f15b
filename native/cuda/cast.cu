// STUB: replaced by the cast family
#include "cuda/ops.h"

namespace aivm::cuda {
void register_cast(ComputeMap&) {}
}  // namespace aivm::cuda
