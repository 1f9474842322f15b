// STUB: replaced by the binary family
#include "cuda/ops.h"

namespace aivm::cuda {
void register_binary(ComputeMap&) {}
}  // namespace aivm::cuda
