// One compute function per op family file (native/cpu/ops/<family>.cc),
// declared from op_list.h's family list: adding a family there declares it here.
#pragma once
#include "cpu/isa.h"
#include "ops/op.h"

namespace aivm::cpu::AIVM_ISA_NS {
#define AIVM_DECLARE_COMPUTES_(family) void add_##family##_computes(ComputeTable& table);
AIVM_OP_FAMILIES(AIVM_DECLARE_COMPUTES_)
#undef AIVM_DECLARE_COMPUTES_
}  // namespace aivm::cpu::AIVM_ISA_NS
