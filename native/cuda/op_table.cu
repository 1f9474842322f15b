#include "cpu/isa_tables.h"
#include "cuda/ops.h"

namespace aivm::cuda {

static OpTable build_table() {
  ComputeMap computes;
  register_unary(computes);
  register_binary(computes);
  register_cast(computes);
  register_matmul(computes);
  register_conv(computes);
  register_pool(computes);
  register_normalization(computes);
  register_reduce(computes);
  register_shape_ops(computes);
  const OpTable& scalar = cpu::scalar::op_table();
  OpTable t;
  for (const std::string& name : scalar.names()) {
    auto it = computes.find(name);
    if (it == computes.end()) continue;
    OpKernel k = *scalar.find(name);
    k.compute = it->second;
    t.add(std::move(k));
  }
  return t;
}

const OpTable& op_table() {
  static const OpTable table = build_table();
  return table;
}

}  // namespace aivm::cuda
