// The CUDA backend's op families. Each family file (native/cuda/<family>.cu)
// adds a CUDA compute function per op to a ComputeMap; op_table.cu pairs them
// with the scalar table's infer functions and attribute lists (infer is host
// code and the same for every backend), so an op missing here is missing from
// the 'cuda' table, and test_engine's same-op-names check fails.
#pragma once
#include <map>
#include <string>

#include "core/op.h"

namespace aivm::cuda {

using ComputeMap = std::map<std::string, ComputeFn>;

void register_unary(ComputeMap& m);
void register_binary(ComputeMap& m);
void register_cast(ComputeMap& m);
void register_matmul(ComputeMap& m);
void register_conv(ComputeMap& m);
void register_pool(ComputeMap& m);
void register_normalization(ComputeMap& m);
void register_reduce(ComputeMap& m);
void register_shape_ops(ComputeMap& m);

// The 'cuda' op table (built once; safe to share between threads).
const OpTable& op_table();

}  // namespace aivm::cuda
