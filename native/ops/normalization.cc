// Contracts of Softmax, LogSoftmax, LayerNormalization, RMSNormalization and BatchNormalization,
// and the parameters their computes share (native/cpu/ops/normalization.cc,
// native/cuda/normalization.cu).
#include "ops/normalization.h"

#include <cmath>
#include <string>

#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {

std::vector<float> layer_norm_expand_param(const Tensor& t, const Shape& norm) {
  int64_t n = dims_product(norm, 0, int(norm.size()));
  std::vector<float> v(static_cast<size_t>(n));
  std::vector<int64_t> bs = broadcast_strides(t.shape, norm);
  const float* p = t.ptr<float>();
  std::vector<int64_t> idx(norm.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (size_t d = 0; d < norm.size(); ++d) off += idx[d] * bs[d];
    v[size_t(i)] = p[off];
    for (size_t d = norm.size(); d-- > 0;) {
      if (++idx[d] < norm[d]) break;
      idx[d] = 0;
    }
  }
  return v;
}

namespace {

int softmax_axis(const OpContext& ctx) {
  return normalize_axis(ctx.op, "axis", ctx.attrs.get_int(ctx.op, "axis", -1), ctx.input(0).rank());
}

std::vector<OutputSpec> infer_softmax(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "input");
  require_rank(ctx, 0, 1, kMaxRank, "input");
  const Tensor& x = ctx.input(0);
  ctx.keep(SoftmaxParams{softmax_axis(ctx)});
  return {{DType::F32, x.shape}};
}

// Scale and B must broadcast (unidirectionally) to X's normalized dims [axis, rank).
void check_norm_param(const OpContext& ctx, size_t i, const char* role, const Shape& norm) {
  require_dtype(ctx, i, DType::F32, role);
  const Shape& s = ctx.input(i).shape;
  bool ok = s.size() <= norm.size();
  for (size_t d = 0; ok && d < s.size(); ++d) {
    int64_t want = norm[norm.size() - s.size() + d];
    ok = s[d] == want || s[d] == 1;
  }
  if (!ok) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input " + std::to_string(i) + " (" + role +
                                         ") must broadcast to the normalized shape " + shape_str(norm) +
                                         ", got shape " + shape_str(s));
  }
}

LayerNormShape layer_norm_shape(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  require_rank(ctx, 0, 1, kMaxRank, "X");
  const Tensor& x = ctx.input(0);
  int axis = normalize_axis(ctx.op, "axis", ctx.attrs.get_int(ctx.op, "axis", -1), x.rank());
  int64_t stash = ctx.attrs.get_int(ctx.op, "stash_type", 1);
  if (stash != 1) {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'stash_type' must be 1 (float32), got " + std::to_string(stash));
  }
  float eps = ctx.attrs.get_float(ctx.op, "epsilon", 1e-5f);
  if (!(eps >= 0.0f) || !std::isfinite(eps)) {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'epsilon' must be a finite number >= 0, got " + std::to_string(eps));
  }
  Shape norm(x.shape.begin() + axis, x.shape.end());
  check_norm_param(ctx, 1, "Scale", norm);
  if (ctx.optional(2)) check_norm_param(ctx, 2, "B", norm);
  return {axis, dims_product(x.shape, 0, axis), dims_product(x.shape, axis, x.rank()), eps};
}

std::vector<OutputSpec> infer_layer_norm(const OpContext& ctx) {
  LayerNormShape ls = layer_norm_shape(ctx);
  ctx.keep(ls);
  const Tensor& x = ctx.input(0);
  Shape stat = x.shape;
  for (size_t d = size_t(ls.axis); d < stat.size(); ++d) stat[d] = 1;
  return {{DType::F32, x.shape}, {DType::F32, stat}, {DType::F32, stat}};
}

// RMSNormalization (opset 23): X and Scale as LayerNormalization's (no B); one output.
std::vector<OutputSpec> infer_rms_norm(const OpContext& ctx) {
  LayerNormShape ls = layer_norm_shape(ctx);
  ctx.keep(ls);
  return {{DType::F32, ctx.input(0).shape}};
}

float batch_norm_epsilon(const OpContext& ctx) {
  float eps = ctx.attrs.get_float(ctx.op, "epsilon", 1e-5f);
  if (!(eps >= 0.0f) || !std::isfinite(eps)) {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'epsilon' must be a finite number >= 0, got " + std::to_string(eps));
  }
  return eps;
}

std::vector<OutputSpec> infer_batch_norm(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  require_rank(ctx, 0, 2, kMaxRank, "X");
  int64_t training = ctx.attrs.get_int(ctx.op, "training_mode", 0);
  if (training != 0) {
    fail(ErrorCode::E_ATTR, ctx.op, "training mode is not supported (attribute 'training_mode' must be 0, got " +
                                        std::to_string(training) + ")");
  }
  ctx.attrs.get_float(ctx.op, "momentum", 0.9f);  // accepted, unused in inference
  ctx.keep(BatchNormParams{batch_norm_epsilon(ctx)});
  const Tensor& x = ctx.input(0);
  const int64_t c = x.shape[1];
  const char* roles[] = {"X", "scale", "B", "input_mean", "input_var"};
  for (size_t i = 1; i < 5; ++i) {
    require_dtype(ctx, i, DType::F32, roles[i]);
    const Tensor& t = ctx.input(i);
    if (t.rank() != 1 || t.shape[0] != c) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input " + std::to_string(i) + " (" + roles[i] + ") must have shape [" +
                                           std::to_string(c) + "] (the channels of X " + shape_str(x.shape) +
                                           "), got shape " + shape_str(t.shape));
    }
  }
  return {{DType::F32, x.shape}};
}
}  // namespace

void add_normalization_contracts(ContractTable& t) {
  t.add(OpId::Softmax, {1, 1, {"axis"}, infer_softmax});
  t.add(OpId::LogSoftmax, {1, 1, {"axis"}, infer_softmax});
  t.add(OpId::LayerNormalization, {2, 3, {"axis", "epsilon", "stash_type"}, infer_layer_norm});
  t.add(OpId::RMSNormalization, {2, 2, {"axis", "epsilon", "stash_type"}, infer_rms_norm});
  t.add(OpId::BatchNormalization, {5, 5, {"epsilon", "momentum", "training_mode"}, infer_batch_norm});
}

}  // namespace aivm::ops
