// Contracts of the indexing ops: Trilu and GatherElements. They move element
// bits (any dtype) chosen by positions or index values; the index values are
// read at run time (they decide no shape), checked before anything is written.
#include "ops/indexing.h"

#include <string>

#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {

int64_t trilu_k(const OpContext& ctx) {
  const Tensor* k = ctx.optional(1);
  return k ? k->ptr<int64_t>()[0] : 0;
}

void check_element_indices(const OpContext& ctx, const Tensor& indices, int axis, int64_t dim) {
  for (int64_t i = 0, n = indices.numel(); i < n; ++i) {
    const int64_t v = indices.dtype == DType::I64 ? indices.ptr<int64_t>()[i] : indices.ptr<int32_t>()[i];
    if (v < -dim || v >= dim) {
      fail(ErrorCode::E_INDEX, ctx.op, "input 1 (indices) element " + std::to_string(i) + " = " + std::to_string(v) +
                                           " is out of range for axis " + std::to_string(axis) + " of size " +
                                           std::to_string(dim) + " (allowed [" + std::to_string(-dim) + ", " +
                                           std::to_string(dim - 1) + "])");
    }
  }
}

namespace {

// Trilu: input rank >= 2 (the last two axes are the matrices), optional k an
// int64 scalar (rank 0, or one element); attribute upper 0 or 1 (default 1).
std::vector<OutputSpec> infer_trilu(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.rank() < 2) fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (input) must have rank >= 2, got shape " + shape_str(x.shape));
  if (const Tensor* k = ctx.optional(1)) {
    if (k->dtype != DType::I64) fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 1 (k) must be int64, got ") + dtype_name(k->dtype));
    if (k->numel() != 1 || k->rank() > 1) fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (k) must be a scalar, got shape " + shape_str(k->shape));
  }
  const int64_t upper = ctx.attrs.get_int(ctx.op, "upper", 1);
  if (upper != 0 && upper != 1) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'upper' must be 0 or 1, got " + std::to_string(upper));
  ctx.keep(TriluParams{upper == 1});
  return {{x.dtype, x.shape}};
}

// GatherElements(data, indices): both of one rank >= 1; indices int32/int64 no
// larger than data on every axis but `axis`; the output has indices' shape.
std::vector<OutputSpec> infer_gather_elements(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& idx = ctx.input(1);
  if (x.rank() < 1) fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (data) must have rank >= 1, got a scalar (shape [])");
  if (idx.dtype != DType::I32 && idx.dtype != DType::I64) {
    fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 1 (indices) must be int32 or int64, got ") + dtype_name(idx.dtype));
  }
  if (idx.rank() != x.rank()) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (indices) " + shape_str(idx.shape) + " must have the rank of input 0 (data) " +
                                         shape_str(x.shape));
  }
  const int axis = normalize_axis(ctx.op, "axis", ctx.attrs.get_int(ctx.op, "axis", 0), x.rank());
  for (int d = 0; d < x.rank(); ++d) {
    if (d != axis && idx.shape[size_t(d)] > x.shape[size_t(d)]) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (indices) " + shape_str(idx.shape) + " is larger than input 0 (data) " +
                                           shape_str(x.shape) + " on axis " + std::to_string(d));
    }
  }
  if (x.shape[size_t(axis)] == 0 && idx.numel() > 0) {
    fail(ErrorCode::E_INDEX, ctx.op, "input 0 (data) has no element on axis " + std::to_string(axis) + " to gather");
  }
  ctx.keep(GatherElementsParams{axis});
  return {{x.dtype, idx.shape}};
}

}  // namespace

void add_indexing_contracts(ContractTable& t) {
  t.add(OpId::Trilu, {1, 2, {"upper"}, infer_trilu});
  t.add(OpId::GatherElements, {2, 2, {"axis"}, infer_gather_elements});
}

}  // namespace aivm::ops
