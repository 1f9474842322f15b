// Contracts of the indexing ops: Trilu, GatherElements and Pad. They move element
// bits (any dtype) chosen by positions or index values; Trilu's and
// GatherElements' index values are read at run time (they decide no shape),
// checked before anything is written; Pad's pads and axes decide the output
// shape (data inputs: constants in a Program), its constant is read at run time.
#include "ops/indexing.h"

#include <string>

#include "aivm/limits.h"

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

std::vector<std::vector<int64_t>> pad_sources(const PadPlan& plan) {
  std::vector<std::vector<int64_t>> tables;
  for (const PadAxis& a : plan.axes) {
    const int64_t out = a.before + a.kept + a.after;
    std::vector<int64_t> t(static_cast<size_t>(out));
    for (int64_t o = 0; o < out; ++o) {
      const int64_t j = o - a.before;  // relative to the kept range
      int64_t m = j;
      if (j < 0 || j >= a.kept) {
        switch (plan.mode) {
          case PadMode::CONSTANT: m = -1; break;
          case PadMode::EDGE: m = j < 0 ? 0 : a.kept - 1; break;
          case PadMode::WRAP: m = ((j % a.kept) + a.kept) % a.kept; break;
          case PadMode::REFLECT: {
            if (a.kept == 1) {
              m = 0;
              break;
            }
            const int64_t period = 2 * (a.kept - 1);
            const int64_t r = ((j % period) + period) % period;
            m = r < a.kept ? r : period - r;
            break;
          }
        }
      }
      t[size_t(o)] = m < 0 ? -1 : a.start + m;
    }
    tables.push_back(std::move(t));
  }
  return tables;
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

PadMode pad_mode(const OpContext& ctx) {
  const std::string m = ctx.attrs.get_string(ctx.op, "mode", "constant");
  if (m == "constant") return PadMode::CONSTANT;
  if (m == "reflect") return PadMode::REFLECT;
  if (m == "edge") return PadMode::EDGE;
  if (m == "wrap") return PadMode::WRAP;
  fail(ErrorCode::E_ATTR, ctx.op, "attribute 'mode' must be \"constant\", \"reflect\", \"edge\" or \"wrap\", got \"" + m + "\"");
}

std::vector<int64_t> int_values(const OpContext& ctx, size_t i, const char* role) {
  const Tensor& t = ctx.input(i);
  if (t.dtype != DType::I64 && !(i == 3 && t.dtype == DType::I32)) {
    fail(ErrorCode::E_DTYPE, ctx.op, "input " + std::to_string(i) + " (" + role + ") must be " + (i == 3 ? "int32 or int64" : "int64") +
                                         ", got " + dtype_name(t.dtype));
  }
  if (t.rank() != 1) fail(ErrorCode::E_SHAPE, ctx.op, "input " + std::to_string(i) + " (" + role + ") must be 1-D, got shape " + shape_str(t.shape));
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  for (size_t k = 0; k < v.size(); ++k) v[k] = t.dtype == DType::I64 ? t.ptr<int64_t>()[k] : t.ptr<int32_t>()[k];
  return v;
}

// Pad (opset 11 to 25; Pad-2's attributes become inputs in the loader): data of
// any dtype; pads int64 [2 x axes] (all begins, then all ends; negative crops);
// constant_value an optional scalar of data's dtype; axes (opset 18) optional.
std::vector<OutputSpec> infer_pad(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int rank = x.rank();
  PadPlan plan;
  plan.mode = pad_mode(ctx);
  std::vector<int64_t> axes;
  if (ctx.optional(3)) {
    std::vector<bool> seen(size_t(rank), false);
    for (int64_t a : int_values(ctx, 3, "axes")) {
      if (a < -rank || a >= rank) {
        fail(ErrorCode::E_VALUE, ctx.op, "input 3 (axes) holds " + std::to_string(a) + ", out of range for rank " + std::to_string(rank));
      }
      const int64_t d = a < 0 ? a + rank : a;
      if (seen[size_t(d)]) fail(ErrorCode::E_VALUE, ctx.op, "input 3 (axes) names axis " + std::to_string(d) + " more than once");
      seen[size_t(d)] = true;
      axes.push_back(d);
    }
  } else {
    for (int d = 0; d < rank; ++d) axes.push_back(d);
  }
  const std::vector<int64_t> pads = int_values(ctx, 1, "pads");
  if (pads.size() != 2 * axes.size()) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (pads) has " + std::to_string(pads.size()) + " values, expected " +
                                         std::to_string(2 * axes.size()) + " (a begin and an end for each of " +
                                         std::to_string(axes.size()) + " axes)");
  }
  if (const Tensor* c = ctx.optional(2)) {
    if (c->dtype != x.dtype) {
      fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 2 (constant_value) must have the dtype of input 0 (") + dtype_name(x.dtype) +
                                           "), got " + dtype_name(c->dtype));
    }
    if (c->numel() != 1 || c->rank() > 1) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input 2 (constant_value) must be a scalar, got shape " + shape_str(c->shape));
    }
  }
  plan.axes.resize(size_t(rank));
  for (int d = 0; d < rank; ++d) plan.axes[size_t(d)] = {0, x.shape[size_t(d)], 0, 0};
  Shape out = x.shape;
  for (size_t k = 0; k < axes.size(); ++k) {
    const int64_t d = axes[k], dim = x.shape[size_t(d)];
    const int64_t pb = pads[k], pe = pads[k + axes.size()];
    if (pb < -dim || pe < -dim || pb > kMaxElements || pe > kMaxElements) {
      fail(ErrorCode::E_VALUE, ctx.op, "input 1 (pads) " + std::to_string(pb) + ", " + std::to_string(pe) + " on axis " +
                                           std::to_string(d) + " of size " + std::to_string(dim) + ": a pad may crop at most the axis and add at most " +
                                           std::to_string(kMaxElements));
    }
    PadAxis a;
    a.start = pb < 0 ? -pb : 0;
    a.kept = dim - a.start - (pe < 0 ? -pe : 0);
    if (a.kept < 0) {
      fail(ErrorCode::E_VALUE, ctx.op, "input 1 (pads) crops " + std::to_string(-pb) + " and " + std::to_string(-pe) + " from axis " +
                                           std::to_string(d) + " of size " + std::to_string(dim));
    }
    a.before = pb > 0 ? pb : 0;
    a.after = pe > 0 ? pe : 0;
    if (a.kept == 0 && a.before + a.after > 0 && plan.mode != PadMode::CONSTANT) {
      fail(ErrorCode::E_VALUE, ctx.op, "cannot pad axis " + std::to_string(d) + " in this mode: nothing of it is left to repeat");
    }
    out[size_t(d)] = a.before + a.kept + a.after;
    plan.axes[size_t(d)] = a;
  }
  // The compute's per-axis source tables (pad_sources) hold one entry per output coordinate.
  int64_t entries = 0;
  for (int64_t d : out) entries += d;
  if (entries > kMaxOpIndexTableEntries) {
    fail(ErrorCode::E_TOO_LARGE, ctx.op, "output shape " + shape_str(out) + " needs " + std::to_string(entries) +
                                             " index entries, over the engine's " + std::to_string(kMaxOpIndexTableEntries));
  }
  ctx.keep(std::move(plan));
  return {{x.dtype, out}};
}

}  // namespace

void add_indexing_contracts(ContractTable& t) {
  t.add(OpId::Trilu, {1, 2, {"upper"}, infer_trilu});
  t.add(OpId::GatherElements, {2, 2, {"axis"}, infer_gather_elements});
  // pads (1) and axes (3) decide the output shape; constant_value (2) is read when it runs.
  t.add(OpId::Pad, {2, 4, {"mode"}, infer_pad, {1, 3}});
}

}  // namespace aivm::ops
