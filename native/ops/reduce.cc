// Contracts of ReduceSum, ReduceMean, ReduceMax, ReduceMin, ArgMax and ArgMin, and the plans
// their computes share (native/cpu/ops/reduce.cc, native/cuda/reduce.cu).
#include "ops/reduce.h"

#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {

static int64_t reduce_bool_attr(const OpContext& ctx, const char* name, int64_t fallback) {
  int64_t v = ctx.attrs.get_int(ctx.op, name, fallback);
  if (v != 0 && v != 1) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute '") + name + "' must be 0 or 1, got " + std::to_string(v));
  }
  return v;
}

static ReducePlan reduce_plan(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int rank = x.rank();
  ReducePlan plan;
  plan.keepdims = reduce_bool_attr(ctx, "keepdims", 1) == 1;
  const bool noop = reduce_bool_attr(ctx, "noop_with_empty_axes", 0) == 1;
  bool attr_present = false;
  std::vector<int64_t> axes = ctx.attrs.get_ints(ctx.op, "axes", {}, &attr_present);
  const Tensor* axes_in = ctx.optional(1);
  if (attr_present && axes_in) {
    fail(ErrorCode::E_ATTR, ctx.op, "axes given both as attribute 'axes' and as input 1; give one of them");
  }
  if (axes_in) {
    if (axes_in->dtype != DType::I64) {
      fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 1 (axes) must be int64, got ") + dtype_name(axes_in->dtype));
    }
    if (axes_in->rank() != 1) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (axes) must have rank 1, got shape " + shape_str(axes_in->shape));
    }
    axes.assign(axes_in->ptr<int64_t>(), axes_in->ptr<int64_t>() + axes_in->numel());
  }
  // Out-of-range and repeated axes: E_ATTR for the attribute, E_INDEX for the input's values.
  const ErrorCode bad = axes_in ? ErrorCode::E_INDEX : ErrorCode::E_ATTR;
  const std::string what = axes_in ? "input 1 (axes)" : "attribute 'axes'";
  plan.reduced.assign(size_t(rank), false);
  for (int64_t a : axes) {
    if (a < -int64_t(rank) || a >= int64_t(rank)) {
      fail(bad, ctx.op, what + " holds " + std::to_string(a) + ", out of range for input 0 of rank " +
                            std::to_string(rank) + " (expected -" + std::to_string(rank) + " to " +
                            std::to_string(rank - 1) + ")");
    }
    size_t d = size_t(a < 0 ? a + rank : a);
    if (plan.reduced[d]) {
      fail(bad, ctx.op, what + " names axis " + std::to_string(d) + " more than once");
    }
    plan.reduced[d] = true;
  }
  if (axes.empty()) {
    if (noop) {
      plan.identity = true;
      plan.out_shape = x.shape;
      return plan;
    }
    plan.reduced.assign(size_t(rank), true);
  }
  for (int d = 0; d < rank; ++d) {
    if (!plan.reduced[size_t(d)]) plan.out_shape.push_back(x.shape[size_t(d)]);
    else if (plan.keepdims) plan.out_shape.push_back(1);
  }
  return plan;
}

namespace {

enum class Kind { SUM, MEAN, MAX, MIN };

template <Kind K> std::vector<OutputSpec> infer_reduce(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (K == Kind::MEAN) require_dtype_in(ctx, 0, "data", kFloatDTypes);
  else require_dtype_in(ctx, 0, "data", kNumericF64DTypes);
  ReducePlan plan = reduce_plan(ctx);
  ctx.keep(plan);
  return {{x.dtype, plan.out_shape}};
}

// ArgMax / ArgMin: float32, float64, int32 or int64 data; attribute axis (default 0),
// keepdims and select_last_index (0 or 1); an int64 output of the indices.
std::vector<OutputSpec> infer_arg(const OpContext& ctx) {
  require_dtype_in(ctx, 0, "data", kNumericF64DTypes);
  const Tensor& x = ctx.input(0);
  if (x.rank() < 1) fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (data) must have rank >= 1, got a scalar (shape [])");
  const int axis = normalize_axis(ctx.op, "axis", ctx.attrs.get_int(ctx.op, "axis", 0), x.rank());
  const bool keepdims = reduce_bool_attr(ctx, "keepdims", 1) == 1;
  ArgPlan plan;
  plan.last = reduce_bool_attr(ctx, "select_last_index", 0) == 1;
  plan.outer = dims_product(x.shape, 0, axis);
  plan.dim = x.shape[size_t(axis)];
  plan.inner = dims_product(x.shape, axis + 1, x.rank());
  Shape out = x.shape;
  if (keepdims) out[size_t(axis)] = 1;
  else out.erase(out.begin() + axis);
  if (plan.dim == 0 && plan.outer * plan.inner > 0) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (data) " + shape_str(x.shape) + " has no element on axis " + std::to_string(axis) +
                                         " to choose an index from");
  }
  ctx.keep(plan);
  return {{DType::I64, out}};
}

}  // namespace

void add_reduce_contracts(ContractTable& t) {
  // Input 1 (axes, opset 18) decides the output shape: infer reads its data.
  const std::vector<std::string> attrs = {"axes", "keepdims", "noop_with_empty_axes"};
  t.add(OpId::ReduceSum, {1, 2, attrs, infer_reduce<Kind::SUM>, {1}});
  t.add(OpId::ReduceMean, {1, 2, attrs, infer_reduce<Kind::MEAN>, {1}});
  t.add(OpId::ReduceMax, {1, 2, attrs, infer_reduce<Kind::MAX>, {1}});
  t.add(OpId::ReduceMin, {1, 2, attrs, infer_reduce<Kind::MIN>, {1}});
  t.add(OpId::ArgMax, {1, 1, {"axis", "keepdims", "select_last_index"}, infer_arg});
  t.add(OpId::ArgMin, {1, 1, {"axis", "keepdims", "select_last_index"}, infer_arg});
}

}  // namespace aivm::ops
