// Parameters of the unary ops that their computes share with the contract.
#pragma once
#include "ops/op.h"

namespace aivm::ops {

// Gelu's `approximate`: true for "tanh", false for "none"; E_ATTR otherwise.
bool gelu_tanh_mode(const OpContext& ctx);

}  // namespace aivm::ops
