// Contracts of the data-movement ops (Transpose, Reshape, Concat, Split, Slice,
// Gather, Expand) and the plans their computes share (native/cpu/ops/shape_ops.cc,
// native/cuda/shape_ops.cu). Shape-carrying inputs are read and fully validated
// here (they are the ops' data_inputs), so a compute only sees in-range values.
#include "ops/shape_ops.h"

#include <algorithm>
#include <limits>

#include "core/shape_util.h"
#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {

std::vector<int64_t> read_ints(const Tensor& t) {
  std::vector<int64_t> v(size_t(t.numel()));
  if (t.dtype == DType::I64) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.ptr<int64_t>()[i];
  } else {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.ptr<int32_t>()[i];
  }
  return v;
}

SliceDim slice_dim(int64_t s, int64_t e, int64_t step, int64_t dim) {
  // ONNX: negative values count from the end (once), then clamp to [0, dim]
  // for positive steps and to [0, dim-1] / [-1, dim-1] for negative steps.
  // s + dim cannot overflow: s < 0 and 0 <= dim <= 2^34.
  if (s < 0) s += dim;
  if (e < 0) e += dim;
  int64_t size;
  if (dim == 0) {
    s = 0;
    size = 0;
  } else if (step > 0) {
    s = s < 0 ? 0 : (s > dim ? dim : s);
    e = e < 0 ? 0 : (e > dim ? dim : e);
    size = e > s ? 1 + (e - s - 1) / step : 0;  // ceil((e - s) / step) without overflow
  } else {
    s = s < 0 ? 0 : (s > dim - 1 ? dim - 1 : s);
    e = e < -1 ? -1 : (e > dim - 1 ? dim - 1 : e);
    // ceil((s - e) / -step); -step taken as unsigned so INT64_MIN is fine.
    uint64_t ustep = uint64_t(0) - uint64_t(step);
    size = s > e ? int64_t(1 + uint64_t(s - e - 1) / ustep) : 0;
  }
  // With at most one element the step is never applied; 1 keeps the stride
  // arithmetic in compute from overflowing for huge steps.
  if (size <= 1) step = 1;
  return {s, step, size};
}

void check_gather_indices(const OpContext& ctx, const std::vector<int64_t>& idx, int axis, int64_t dim) {
  for (size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] < -dim || idx[i] >= dim) {
      fail(ErrorCode::E_INDEX, ctx.op, "input 1 (indices) element " + std::to_string(i) + " = " +
                                    std::to_string(idx[i]) + " is out of range for axis " + std::to_string(axis) +
                                    " of size " + std::to_string(dim) + " (allowed [" + std::to_string(-dim) +
                                    ", " + std::to_string(dim - 1) + "])");
    }
  }
}

namespace {

std::string vec_str(const std::vector<int64_t>& v) { return shape_str(v); }

std::string input_name(size_t i, const char* role) { return "input " + std::to_string(i) + " (" + role + ")"; }

void require_int_dtype(const OpContext& ctx, size_t i, const char* role, bool allow_i32) {
  const Tensor& t = ctx.input(i);
  if (t.dtype == DType::I64 || (allow_i32 && t.dtype == DType::I32)) return;
  fail(ErrorCode::E_DTYPE, ctx.op, input_name(i, role) + " must be " + (allow_i32 ? "int32 or int64" : "int64") +
                                       ", got " + dtype_name(t.dtype));
}

void require_1d(const OpContext& ctx, size_t i, const char* role) {
  const Tensor& t = ctx.input(i);
  if (t.rank() != 1) {
    fail(ErrorCode::E_SHAPE, ctx.op, input_name(i, role) + " must be 1-D, got shape " + shape_str(t.shape));
  }
}

void require_output_rank(const OpContext& ctx, size_t rank) {
  if (rank > size_t(kMaxRank)) {
    fail(ErrorCode::E_SHAPE, ctx.op, "output would have rank " + std::to_string(rank) + ", the engine supports at most " +
                                         std::to_string(kMaxRank));
  }
}

}  // namespace

static std::vector<int64_t> transpose_perm(const OpContext& ctx) {
  int rank = ctx.input(0).rank();
  std::vector<int64_t> rev(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) rev[size_t(i)] = rank - 1 - i;
  std::vector<int64_t> perm = ctx.attrs.get_ints(ctx.op, "perm", rev);
  if (perm.size() != size_t(rank)) {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'perm' = " + vec_str(perm) + " must have one entry per input dimension (" +
                                        std::to_string(rank) + "), got " + std::to_string(perm.size()));
  }
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[size_t(p)]) {
      fail(ErrorCode::E_ATTR, ctx.op, "attribute 'perm' = " + vec_str(perm) + " must be a permutation of 0.." +
                                          std::to_string(rank - 1));
    }
    seen[size_t(p)] = true;
  }
  return perm;
}

static int concat_axis(const OpContext& ctx) {
  return normalize_axis(ctx.op, "axis", ctx.attrs.require_int(ctx.op, "axis"), ctx.input(0).rank());
}

// Sizes of Split's outputs along the axis.
static std::vector<int64_t> split_sizes(const OpContext& ctx, int* axis_out) {
  const Tensor& x = ctx.input(0);
  if (x.rank() < 1) fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (input) must have rank >= 1, got a scalar (shape [])");
  int axis = normalize_axis(ctx.op, "axis", ctx.attrs.get_int(ctx.op, "axis", 0), x.rank());
  *axis_out = axis;
  int64_t dim = x.shape[size_t(axis)];
  const Tensor* split = ctx.optional(1);
  bool has_num = ctx.attrs.has("num_outputs");
  if (split) {
    if (has_num) {
      fail(ErrorCode::E_ATTR, ctx.op, "give either input 1 (split) or attribute 'num_outputs', not both");
    }
    require_int_dtype(ctx, 1, "split", false);
    require_1d(ctx, 1, "split");
    if (split->numel() > kMaxOpOutputs) {
      fail(ErrorCode::E_TOO_LARGE, ctx.op, "input 1 (split) has " + std::to_string(split->numel()) +
                                               " entries, more than the limit of " + std::to_string(kMaxOpOutputs) +
                                               " outputs per op");
    }
    std::vector<int64_t> sizes = read_ints(*split);
    if (sizes.empty()) fail(ErrorCode::E_VALUE, ctx.op, "input 1 (split) must have at least one entry, got none");
    int64_t sum = 0;
    for (int64_t s : sizes) {
      if (s < 0) {
        fail(ErrorCode::E_VALUE, ctx.op, "input 1 (split) = " + vec_str(sizes) + " has a negative size " +
                                             std::to_string(s));
      }
      sum = s > kMaxElements || sum > kMaxElements ? kMaxElements + 1 : sum + s;
    }
    if (sum != dim) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (split) = " + vec_str(sizes) + " must add up to dimension " +
                                           std::to_string(axis) + " of input 0 " + shape_str(x.shape) + " (" +
                                           std::to_string(dim) + ")");
    }
    return sizes;
  }
  if (!has_num) {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'num_outputs' is required when input 1 (split) is omitted");
  }
  int64_t n = ctx.attrs.require_int(ctx.op, "num_outputs");
  if (n > kMaxOpOutputs) {
    fail(ErrorCode::E_TOO_LARGE, ctx.op, "attribute 'num_outputs' = " + std::to_string(n) +
                                             " is more than the limit of " + std::to_string(kMaxOpOutputs) +
                                             " outputs per op");
  }
  if (n < 1 || n > std::max<int64_t>(dim, 1)) {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'num_outputs' = " + std::to_string(n) + " must be in [1, " +
                                        std::to_string(std::max<int64_t>(dim, 1)) + "] for dimension " +
                                        std::to_string(axis) + " of size " + std::to_string(dim));
  }
  // ONNX 18: chunks of ceil(dim / n), the last one takes what is left.
  int64_t chunk = (dim + n - 1) / n;
  int64_t last = dim - chunk * (n - 1);
  if (last < 0) {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'num_outputs' = " + std::to_string(n) + " cannot split dimension " +
                                        std::to_string(axis) + " of size " + std::to_string(dim) + " into chunks of ceil(" +
                                        std::to_string(dim) + "/" + std::to_string(n) + ") = " + std::to_string(chunk) +
                                        " (the last chunk would be negative)");
  }
  std::vector<int64_t> sizes(size_t(n), chunk);
  sizes.back() = last;
  return sizes;
}

static std::vector<SliceDim> slice_plan(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  int rank = x.rank();
  require_int_dtype(ctx, 1, "starts", true);
  DType it = ctx.input(1).dtype;
  const char* roles[] = {"data", "starts", "ends", "axes", "steps"};
  for (size_t i = 1; i <= 4; ++i) {
    const Tensor* t = i <= 2 ? &ctx.input(i) : ctx.optional(i);
    if (!t) continue;
    if (t->dtype != it) {
      fail(ErrorCode::E_DTYPE, ctx.op, input_name(i, roles[i]) + " must have the dtype of input 1 (starts, " +
                                           dtype_name(it) + "), got " + dtype_name(t->dtype));
    }
    require_1d(ctx, i, roles[i]);
    if (t->numel() != ctx.input(1).numel()) {
      fail(ErrorCode::E_SHAPE, ctx.op, input_name(i, roles[i]) + " has shape " + shape_str(t->shape) +
                                           ", must have the length of input 1 (starts) " +
                                           shape_str(ctx.input(1).shape));
    }
  }
  std::vector<int64_t> starts = read_ints(ctx.input(1));
  std::vector<int64_t> ends = read_ints(ctx.input(2));
  size_t n = starts.size();
  std::vector<int64_t> axes(n), steps(n, 1);
  for (size_t i = 0; i < n; ++i) axes[i] = int64_t(i);
  if (ctx.optional(3)) axes = read_ints(*ctx.optional(3));
  if (ctx.optional(4)) steps = read_ints(*ctx.optional(4));
  std::vector<SliceDim> plan(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) plan[size_t(d)] = {0, 1, x.shape[size_t(d)]};
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (size_t i = 0; i < n; ++i) {
    int64_t a = axes[i];
    if (a < -int64_t(rank) || a >= rank) {
      fail(ErrorCode::E_INDEX, ctx.op, "input 3 (axes) = " + vec_str(axes) + ": axis " + std::to_string(a) +
                                           " is out of range for rank " + std::to_string(rank) + " (allowed [" +
                                           std::to_string(-rank) + ", " + std::to_string(rank - 1) + "])");
    }
    if (a < 0) a += rank;
    if (seen[size_t(a)]) {
      fail(ErrorCode::E_VALUE, ctx.op, "input 3 (axes) = " + vec_str(axes) + " names axis " + std::to_string(a) +
                                           " more than once");
    }
    seen[size_t(a)] = true;
    int64_t step = steps[i];
    if (step == 0) {
      fail(ErrorCode::E_VALUE, ctx.op, "input 4 (steps) = " + vec_str(steps) + ": step for axis " + std::to_string(a) +
                                           " is 0");
    }
    plan[size_t(a)] = ops::slice_dim(starts[i], ends[i], step, x.shape[size_t(a)]);
  }
  return plan;
}

static int gather_axis(const OpContext& ctx) {
  return normalize_axis(ctx.op, "axis", ctx.attrs.get_int(ctx.op, "axis", 0), ctx.input(0).rank());
}

namespace {

std::vector<OutputSpec> infer_transpose(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  std::vector<int64_t> perm = transpose_perm(ctx);
  ctx.keep(TransposeParams{perm});
  Shape out(perm.size());
  for (size_t j = 0; j < perm.size(); ++j) out[j] = x.shape[size_t(perm[j])];
  return {{x.dtype, out}};
}

std::vector<OutputSpec> infer_reshape(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  require_int_dtype(ctx, 1, "shape", false);
  require_1d(ctx, 1, "shape");
  int64_t allowzero = ctx.attrs.get_int(ctx.op, "allowzero", 0);
  if (allowzero != 0 && allowzero != 1) {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'allowzero' must be 0 or 1, got " + std::to_string(allowzero));
  }
  std::vector<int64_t> req = read_ints(ctx.input(1));
  require_output_rank(ctx, req.size());
  Shape out(req.size());
  int infer_at = -1;
  bool has_zero = false;
  for (size_t i = 0; i < req.size(); ++i) {
    int64_t d = req[i];
    if (d < -1) {
      fail(ErrorCode::E_VALUE, ctx.op, "input 1 (shape) = " + vec_str(req) + ": entry " + std::to_string(i) + " is " +
                                           std::to_string(d) + ", expected -1 or a dimension >= 0");
    }
    if (d == -1) {
      if (infer_at >= 0) {
        fail(ErrorCode::E_VALUE, ctx.op, "input 1 (shape) = " + vec_str(req) + " has more than one -1");
      }
      infer_at = int(i);
      out[i] = 1;
    } else if (d == 0 && allowzero == 0) {
      if (i >= x.shape.size()) {
        fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (shape) = " + vec_str(req) + ": entry " + std::to_string(i) +
                                             " is 0 (copy the input dimension) but input 0 has shape " +
                                             shape_str(x.shape));
      }
      out[i] = x.shape[i];
    } else {
      has_zero = has_zero || d == 0;
      out[i] = d;
    }
  }
  if (allowzero == 1 && has_zero && infer_at >= 0) {
    fail(ErrorCode::E_VALUE, ctx.op, "input 1 (shape) = " + vec_str(req) + " holds both 0 and -1 with allowzero=1");
  }
  // Product of the known dims, saturated above kMaxElements (then it cannot match).
  int64_t numel = x.numel();
  bool zero = false;
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (int(i) == infer_at) continue;
    if (out[i] == 0) zero = true;
    else known = known > kMaxElements / out[i] ? kMaxElements + 1 : known * out[i];
  }
  if (zero) known = 0;
  if (infer_at >= 0) {
    if (known == 0) {
      fail(ErrorCode::E_SHAPE, ctx.op, "cannot infer the -1 in " + vec_str(req) + " for input shape " +
                                           shape_str(x.shape) + ": the other dimensions multiply to 0");
    }
    if (numel % known != 0) {
      fail(ErrorCode::E_SHAPE, ctx.op, "cannot reshape input of shape " + shape_str(x.shape) + " (" +
                                           std::to_string(numel) + " elements) to " + vec_str(req) + ": " +
                                           std::to_string(numel) + " is not a multiple of " + std::to_string(known));
    }
    out[size_t(infer_at)] = numel / known;
  } else if (known != numel) {
    fail(ErrorCode::E_SHAPE, ctx.op, "cannot reshape input of shape " + shape_str(x.shape) + " (" +
                                         std::to_string(numel) + " elements) to " + shape_str(out) +
                                         (known > kMaxElements ? std::string(" (too many elements)")
                                                               : " (" + std::to_string(known) + " elements)"));
  }
  return {{x.dtype, out}};
}

std::vector<OutputSpec> infer_concat(const OpContext& ctx) {
  const Tensor& x0 = ctx.input(0);
  if (x0.rank() < 1) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 0 must have rank >= 1, got a scalar (shape [])");
  }
  int axis = concat_axis(ctx);
  ctx.keep(AxisParams{axis});
  Shape out = x0.shape;
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    const Tensor& xi = ctx.input(i);
    if (xi.dtype != x0.dtype) {
      fail(ErrorCode::E_DTYPE, ctx.op, "input " + std::to_string(i) + " must have the dtype of input 0 (" +
                                           dtype_name(x0.dtype) + "), got " + dtype_name(xi.dtype));
    }
    bool ok = xi.rank() == x0.rank();
    for (int d = 0; ok && d < x0.rank(); ++d) ok = d == axis || xi.shape[size_t(d)] == x0.shape[size_t(d)];
    if (!ok) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input " + std::to_string(i) + " has shape " + shape_str(xi.shape) +
                                           ", which must match input 0 " + shape_str(x0.shape) +
                                           " in every dimension except axis " + std::to_string(axis));
    }
    out[size_t(axis)] += xi.shape[size_t(axis)];
  }
  return {{x0.dtype, out}};
}

std::vector<OutputSpec> infer_split(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  int axis;
  std::vector<int64_t> sizes = split_sizes(ctx, &axis);
  std::vector<OutputSpec> out;
  out.reserve(sizes.size());
  for (int64_t s : sizes) {
    Shape shape = x.shape;
    shape[size_t(axis)] = s;
    out.push_back({x.dtype, shape});
  }
  ctx.keep(SplitParams{axis, std::move(sizes)});
  return out;
}

std::vector<OutputSpec> infer_slice(const OpContext& ctx) {
  std::vector<SliceDim> plan = slice_plan(ctx);
  Shape out(plan.size());
  for (size_t d = 0; d < plan.size(); ++d) out[d] = plan[d].size;
  ctx.keep(SlicePlan{std::move(plan)});
  return {{ctx.input(0).dtype, out}};
}

std::vector<OutputSpec> infer_gather(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.rank() < 1) fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (data) must have rank >= 1, got a scalar (shape [])");
  require_int_dtype(ctx, 1, "indices", true);
  const Tensor& idx = ctx.input(1);
  int axis = gather_axis(ctx);
  ctx.keep(AxisParams{axis});
  require_output_rank(ctx, size_t(x.rank() + idx.rank() - 1));
  Shape out(x.shape.begin(), x.shape.begin() + axis);
  out.insert(out.end(), idx.shape.begin(), idx.shape.end());
  out.insert(out.end(), x.shape.begin() + axis + 1, x.shape.end());
  return {{x.dtype, out}};
}

// ONNX Expand-13: the output shape is the numpy broadcast of input 0's shape
// and the values of input 1 (so a 1 in either gives way to the other).
std::vector<OutputSpec> infer_expand(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  require_int_dtype(ctx, 1, "shape", false);
  require_1d(ctx, 1, "shape");
  std::vector<int64_t> req = read_ints(ctx.input(1));
  require_output_rank(ctx, std::max(req.size(), x.shape.size()));
  for (size_t i = 0; i < req.size(); ++i) {
    if (req[i] < 0) {
      fail(ErrorCode::E_VALUE, ctx.op, "input 1 (shape) = " + vec_str(req) + ": entry " + std::to_string(i) + " is " +
                                           std::to_string(req[i]) + ", expected a dimension >= 0");
    }
  }
  Shape out = broadcast_shapes(ctx.op, x.shape, req);
  checked_numel(out, ctx.op, "output");
  return {{x.dtype, out}};
}

}  // namespace

void add_shape_ops_contracts(ContractTable& t) {
  // The data inputs carry shapes: infer reads them (and validates every value).
  t.add(OpId::Transpose, {1, 1, {"perm"}, infer_transpose});
  t.add(OpId::Reshape, {2, 2, {"allowzero"}, infer_reshape, {1}});
  t.add(OpId::Concat, {1, 1024, {"axis"}, infer_concat});
  t.add(OpId::Split, {1, 2, {"axis", "num_outputs"}, infer_split, {1}});
  t.add(OpId::Slice, {3, 5, {}, infer_slice, {1, 2, 3, 4}});
  t.add(OpId::Gather, {2, 2, {"axis"}, infer_gather});
  t.add(OpId::Expand, {2, 2, {}, infer_expand, {1}});
}

}  // namespace aivm::ops
