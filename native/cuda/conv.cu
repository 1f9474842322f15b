// STUB: replaced by the conv family
#include "cuda/ops.h"

namespace aivm::cuda {
void register_conv(ComputeMap&) {}
}  // namespace aivm::cuda
