// One registration function per op family file (native/cpu/ops/<family>.cc).
// op_table.cc calls each; adding a family means adding one line here and there.
#pragma once
#include "core/op.h"
#include "cpu/isa.h"

namespace aivm::cpu::AIVM_ISA_NS {
void register_unary(OpTable& table);
void register_binary(OpTable& table);
void register_matmul(OpTable& table);
void register_conv(OpTable& table);
void register_pool(OpTable& table);
void register_normalization(OpTable& table);
void register_reduce(OpTable& table);
void register_shape_ops(OpTable& table);
void register_cast(OpTable& table);
}  // namespace aivm::cpu::AIVM_ISA_NS
