// One contract function per op family file (native/ops/<family>.cc), declared
// from op_list.h's family list: adding a family there declares it here.
#pragma once
#include "ops/op.h"

namespace aivm::ops {
#define AIVM_DECLARE_CONTRACTS_(family) void add_##family##_contracts(ContractTable& table);
AIVM_OP_FAMILIES(AIVM_DECLARE_CONTRACTS_)
#undef AIVM_DECLARE_CONTRACTS_
}  // namespace aivm::ops
