// Contracts of the indexing ops: Trilu, GatherElements, Pad, ScatterElements,
// ScatterND, TensorScatter and TopK. They move element bits (any dtype) chosen by
// positions or index values (the scatters' reductions and TopK's compares on the
// numeric dtypes: math/scatter.h); Trilu's k and the gathers' and scatters' index
// values are read at run time (they decide no shape), checked before anything is
// written; Pad's pads and axes and TopK's K decide the output shape (data inputs:
// constants in a Program), Pad's constant is read at run time.
#include "ops/indexing.h"

#include <string>

#include "aivm/limits.h"

#include "ops/common.h"
#include "ops/families.h"
#include "core/shape_util.h"

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

int64_t index_value(const Tensor& t, int64_t i) {
  return t.dtype == DType::I64 ? t.ptr<int64_t>()[i] : t.ptr<int32_t>()[i];
}

}  // namespace

std::vector<int64_t> scatter_elements_targets(const OpContext& ctx, int axis) {
  const Tensor& x = ctx.input(0);
  const Tensor& idx = ctx.input(1);
  const int64_t dim = x.shape[size_t(axis)];
  check_element_indices(ctx, idx, axis, dim);
  const std::vector<int64_t> xs = strides_of(x.shape);
  const int rank = x.rank();
  const int64_t n = idx.numel();
  std::vector<int64_t> t(static_cast<size_t>(n));
  std::vector<int64_t> c(static_cast<size_t>(rank), 0);
  for (int64_t e = 0; e < n; ++e) {
    int64_t off = 0;
    for (int d = 0; d < rank; ++d) off += (d == axis ? element_index(idx, e, dim) : c[size_t(d)]) * xs[size_t(d)];
    t[size_t(e)] = off;
    for (int d = rank - 1; d >= 0; --d) {  // next coordinates over indices' shape
      if (++c[size_t(d)] < idx.shape[size_t(d)]) break;
      c[size_t(d)] = 0;
    }
  }
  return t;
}

std::vector<int64_t> scatter_nd_targets(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& idx = ctx.input(1);
  const int64_t k = idx.shape.back();
  const std::vector<int64_t> xs = strides_of(x.shape);
  int64_t slice = 1;
  for (size_t d = size_t(k); d < x.shape.size(); ++d) slice *= x.shape[d];
  const int64_t tuples = k == 0 ? ctx.input(2).numel() / (slice > 0 ? slice : 1) : idx.numel() / k;
  std::vector<int64_t> t;
  t.reserve(static_cast<size_t>(tuples * slice));
  for (int64_t j = 0; j < tuples; ++j) {
    int64_t base = 0;
    for (int64_t d = 0; d < k; ++d) {
      const int64_t dim = x.shape[size_t(d)];
      const int64_t v = index_value(idx, j * k + d);
      if (v < -dim || v >= dim) {
        fail(ErrorCode::E_INDEX, ctx.op, "input 1 (indices) element " + std::to_string(j * k + d) + " = " + std::to_string(v) +
                                             " is out of range for axis " + std::to_string(d) + " of input 0 (data), of size " +
                                             std::to_string(dim) + " (allowed [" + std::to_string(-dim) + ", " +
                                             std::to_string(dim - 1) + "])");
      }
      base += (v < 0 ? v + dim : v) * xs[size_t(d)];
    }
    for (int64_t r = 0; r < slice; ++r) t.push_back(base + r);
  }
  return t;
}

std::vector<int64_t> tensor_scatter_starts(const OpContext& ctx, const TensorScatterParams& p) {
  const Tensor& past = ctx.input(0);
  const Tensor& upd = ctx.input(1);
  const int64_t batch = past.shape[0], max_len = past.shape[size_t(p.axis)], seq = upd.shape[size_t(p.axis)];
  std::vector<int64_t> w(static_cast<size_t>(batch), 0);
  if (const Tensor* wi = ctx.optional(2)) {
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t v = wi->ptr<int64_t>()[b];
      if (p.circular) {
        w[size_t(b)] = max_len == 0 ? 0 : ((v % max_len) + max_len) % max_len;
      } else if (v < 0 || v > max_len - seq) {
        fail(ErrorCode::E_INDEX, ctx.op, "input 2 (write_indices) element " + std::to_string(b) + " = " + std::to_string(v) +
                                             ": in linear mode the write index plus the update's sequence length (" +
                                             std::to_string(seq) + ") must be within [0, " + std::to_string(max_len) + "]");
      } else {
        w[size_t(b)] = v;
      }
    }
  }
  return w;
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


math::ScatterReduce scatter_reduction(const OpContext& ctx) {
  const std::string r = ctx.attrs.get_string(ctx.op, "reduction", "none");
  if (r == "none") return math::ScatterReduce::NONE;
  if (r == "add") return math::ScatterReduce::ADD;
  if (r == "mul") return math::ScatterReduce::MUL;
  if (r == "max") return math::ScatterReduce::MAX;
  if (r == "min") return math::ScatterReduce::MIN;
  fail(ErrorCode::E_ATTR, ctx.op, "attribute 'reduction' must be \"none\", \"add\", \"mul\", \"max\" or \"min\", got \"" + r + "\"");
}

// data any dtype with reduction none (bits move), else float32, float64, int32, int64;
// updates of data's dtype; indices int32 or int64.
void check_scatter_dtypes(const OpContext& ctx, math::ScatterReduce red) {
  const Tensor& x = ctx.input(0);
  if (red != math::ScatterReduce::NONE) require_dtype_in(ctx, 0, "data", kNumericF64DTypes);
  const Tensor& idx = ctx.input(1);
  if (idx.dtype != DType::I32 && idx.dtype != DType::I64) {
    fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 1 (indices) must be int32 or int64, got ") + dtype_name(idx.dtype));
  }
  if (ctx.input(2).dtype != x.dtype) {
    fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 2 (updates) must have the dtype of input 0 (") + dtype_name(x.dtype) +
                                         "), got " + dtype_name(ctx.input(2).dtype));
  }
}

// ScatterElements(data, indices, updates): one rank >= 1; indices and updates of one
// shape, no larger than data on every axis but `axis`; the output has data's shape.
std::vector<OutputSpec> infer_scatter_elements(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& idx = ctx.input(1);
  const Tensor& upd = ctx.input(2);
  const math::ScatterReduce red = scatter_reduction(ctx);
  check_scatter_dtypes(ctx, red);
  if (x.rank() < 1) fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (data) must have rank >= 1, got a scalar (shape [])");
  if (idx.rank() != x.rank()) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (indices) " + shape_str(idx.shape) + " must have the rank of input 0 (data) " +
                                         shape_str(x.shape));
  }
  if (upd.shape != idx.shape) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 2 (updates) " + shape_str(upd.shape) + " must have the shape of input 1 (indices) " +
                                         shape_str(idx.shape));
  }
  const int axis = normalize_axis(ctx.op, "axis", ctx.attrs.get_int(ctx.op, "axis", 0), x.rank());
  for (int d = 0; d < x.rank(); ++d) {
    if (d != axis && idx.shape[size_t(d)] > x.shape[size_t(d)]) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (indices) " + shape_str(idx.shape) + " is larger than input 0 (data) " +
                                           shape_str(x.shape) + " on axis " + std::to_string(d));
    }
  }
  ctx.keep(ScatterElementsParams{axis, red});
  return {{x.dtype, x.shape}};
}

// ScatterND(data, indices, updates): indices [..., k] with 0 <= k <= rank(data);
// updates of shape indices.shape[:-1] + data.shape[k:]; the output has data's shape.
std::vector<OutputSpec> infer_scatter_nd(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& idx = ctx.input(1);
  const Tensor& upd = ctx.input(2);
  const math::ScatterReduce red = scatter_reduction(ctx);
  check_scatter_dtypes(ctx, red);
  if (x.rank() < 1) fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (data) must have rank >= 1, got a scalar (shape [])");
  if (idx.rank() < 1) fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (indices) must have rank >= 1, got a scalar (shape [])");
  const int64_t k = idx.shape.back();
  if (k > x.rank()) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (indices) " + shape_str(idx.shape) + ": its last dimension (" + std::to_string(k) +
                                         ") must be at most the rank of input 0 (data) " + shape_str(x.shape));
  }
  Shape want(idx.shape.begin(), idx.shape.end() - 1);
  want.insert(want.end(), x.shape.begin() + k, x.shape.end());
  if (upd.shape != want) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 2 (updates) " + shape_str(upd.shape) + " must have shape " + shape_str(want) +
                                         " (indices' shape without its last axis, then data's shape after its first " +
                                         std::to_string(k) + " axes)");
  }
  ctx.keep(ScatterNDParams{red});
  return {{x.dtype, x.shape}};
}

// TensorScatter(past_cache, update, write_indices?): one rank >= 2, equal shapes but on
// `axis` (not 0, default -2), where update's is no longer; write_indices int64 [batch].
std::vector<OutputSpec> infer_tensor_scatter(const OpContext& ctx) {
  const Tensor& past = ctx.input(0);
  const Tensor& upd = ctx.input(1);
  if (past.rank() < 2) fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (past_cache) must have rank >= 2, got shape " + shape_str(past.shape));
  if (upd.dtype != past.dtype) {
    fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 1 (update) must have the dtype of input 0 (") + dtype_name(past.dtype) +
                                         "), got " + dtype_name(upd.dtype));
  }
  const int axis = normalize_axis(ctx.op, "axis", ctx.attrs.get_int(ctx.op, "axis", -2), past.rank());
  if (axis == 0) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'axis' must not name axis 0 (the batch axis)");
  const std::string mode = ctx.attrs.get_string(ctx.op, "mode", "linear");
  if (mode != "linear" && mode != "circular") {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'mode' must be \"linear\" or \"circular\", got \"" + mode + "\"");
  }
  bool ok = upd.rank() == past.rank();
  for (int d = 0; ok && d < past.rank(); ++d) {
    ok = d == axis ? upd.shape[size_t(d)] <= past.shape[size_t(d)] : upd.shape[size_t(d)] == past.shape[size_t(d)];
  }
  if (!ok) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (update) " + shape_str(upd.shape) + " must have the shape of input 0 (past_cache) " +
                                         shape_str(past.shape) + " except on axis " + std::to_string(axis) + ", where it may be shorter");
  }
  if (const Tensor* w = ctx.optional(2)) {
    if (w->dtype != DType::I64) fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 2 (write_indices) must be int64, got ") + dtype_name(w->dtype));
    if (w->shape != Shape{past.shape[0]}) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input 2 (write_indices) must have shape [" + std::to_string(past.shape[0]) + "] (the batch), got " +
                                           shape_str(w->shape));
    }
  }
  ctx.keep(TensorScatterParams{axis, mode == "circular"});
  return {{past.dtype, past.shape}};
}

// TopK(X, K): X float32, float64, int32 or int64 of rank >= 1; K an int64 constant of
// one element, 0 <= K <= X's length on axis. Values (X's dtype) and Indices (int64),
// both X's shape with K on axis.
std::vector<OutputSpec> infer_topk(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& kt = ctx.input(1);
  require_dtype_in(ctx, 0, "X", kNumericF64DTypes);
  if (x.rank() < 1) fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (X) must have rank >= 1, got a scalar (shape [])");
  if (kt.dtype != DType::I64) fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 1 (K) must be int64, got ") + dtype_name(kt.dtype));
  if (kt.numel() != 1 || kt.rank() > 1) fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (K) must hold one value, got shape " + shape_str(kt.shape));
  const int axis = normalize_axis(ctx.op, "axis", ctx.attrs.get_int(ctx.op, "axis", -1), x.rank());
  const int64_t largest = ctx.attrs.get_int(ctx.op, "largest", 1), sorted = ctx.attrs.get_int(ctx.op, "sorted", 1);
  if (largest != 0 && largest != 1) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'largest' must be 0 or 1, got " + std::to_string(largest));
  if (sorted != 0 && sorted != 1) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'sorted' must be 0 or 1, got " + std::to_string(sorted));
  const int64_t k = kt.ptr<int64_t>()[0], dim = x.shape[size_t(axis)];
  if (k < 0 || k > dim) {
    fail(ErrorCode::E_VALUE, ctx.op, "input 1 (K) = " + std::to_string(k) + " must be within [0, " + std::to_string(dim) +
                                         "] (the length of axis " + std::to_string(axis) + ")");
  }
  Shape out = x.shape;
  out[size_t(axis)] = k;
  ctx.keep(TopKParams{axis, k, largest == 1});
  return {{x.dtype, out}, {DType::I64, out}};
}

}  // namespace

void add_indexing_contracts(ContractTable& t) {
  t.add(OpId::Trilu, {1, 2, {"upper"}, infer_trilu});
  t.add(OpId::GatherElements, {2, 2, {"axis"}, infer_gather_elements});
  // pads (1) and axes (3) decide the output shape; constant_value (2) is read when it runs.
  t.add(OpId::Pad, {2, 4, {"mode"}, infer_pad, {1, 3}});
  // Index values are read when they run (checked before anything is written); TopK's K
  // (1) decides the output shape.
  t.add(OpId::ScatterElements, {3, 3, {"axis", "reduction"}, infer_scatter_elements});
  t.add(OpId::ScatterND, {3, 3, {"reduction"}, infer_scatter_nd});
  t.add(OpId::TensorScatter, {2, 3, {"axis", "mode"}, infer_tensor_scatter});
  t.add(OpId::TopK, {2, 2, {"axis", "largest", "sorted"}, infer_topk, {1}});
}

}  // namespace aivm::ops
