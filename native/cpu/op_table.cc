#include "cpu/op_families.h"

namespace aivm::cpu::AIVM_ISA_NS {

static OpTable build_table() {
  OpTable t;
  register_unary(t);
  register_binary(t);
  register_matmul(t);
  register_conv(t);
  register_pool(t);
  register_normalization(t);
  register_reduce(t);
  register_shape_ops(t);
  register_cast(t);
  return t;
}

// Built once, never modified afterwards: safe to share between Node workers.
const OpTable& op_table() {
  static const OpTable table = build_table();
  return table;
}

}  // namespace aivm::cpu::AIVM_ISA_NS
