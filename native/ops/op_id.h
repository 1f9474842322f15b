// OpId: the engine's ops as an enum, in native/ops/op_list.h's order. Tables
// indexed by it (contracts, each backend's computes) replace name lookups: a
// name is resolved once, when a graph is built or runOp is called.
#pragma once
#include <string>

#include "ops/op_list.h"

namespace aivm {

enum class OpId : int {
#define AIVM_OP_ID_(name, family) name,
  AIVM_OPS(AIVM_OP_ID_)
#undef AIVM_OP_ID_
};

#define AIVM_OP_COUNT_(name, family) +1
constexpr int kOpCount = 0 AIVM_OPS(AIVM_OP_COUNT_);
#undef AIVM_OP_COUNT_

// The op's ONNX name ("Conv").
const char* op_name(OpId op);
// The op's family ("conv"): the file its contract and computes live in.
const char* op_family(OpId op);
// The op named `name`; false when the engine has none.
bool find_op(const std::string& name, OpId* op);

}  // namespace aivm
