// Shape arithmetic shared by every op (compiled once, not per ISA).
#pragma once
#include <string>
#include <vector>

#include "aivm/tensor.h"

namespace aivm {

// numpy/ONNX multidirectional broadcasting; E_SHAPE names both shapes on failure.
Shape broadcast_shapes(const std::string& op, const Shape& a, const Shape& b);
// Row-major strides of shape.
std::vector<int64_t> strides_of(const Shape& shape);
// Strides of `in` viewed as broadcast to `out` (0 on broadcast dims, left-padded).
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);
// Maps axis in [-rank, rank) to [0, rank); E_ATTR otherwise.
int normalize_axis(const std::string& op, const char* attr, int64_t axis, int rank);
// Product of dims in [begin, end).
int64_t dims_product(const Shape& shape, int begin, int end);
// Batched matrix ops (MatMul): for each batch of the broadcast batch dims `out`,
// the element offset of its matrix in an operand with batch dims `in`.
std::vector<int64_t> batch_offsets(const Shape& in, const Shape& out, int64_t matrix_size);

}  // namespace aivm
