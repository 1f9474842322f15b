#include "cpu/isa_tables.h"
#include "cpu/op_families.h"

namespace aivm::cpu::AIVM_ISA_NS {

static ComputeTable build_table() {
  ComputeTable t;
#define AIVM_ADD_COMPUTES_(family) add_##family##_computes(t);
  AIVM_OP_FAMILIES(AIVM_ADD_COMPUTES_)
#undef AIVM_ADD_COMPUTES_
  return t;
}

// Built once, never modified afterwards: safe to share between Node workers.
const ComputeTable& compute_table() {
  static const ComputeTable table = build_table();
  return table;
}

}  // namespace aivm::cpu::AIVM_ISA_NS
