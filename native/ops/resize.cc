// Contract of Resize (opset 11 to 25; Resize-10 and Upsample arrive through the
// loader's adapters): nearest, linear and cubic over any of the input's axes,
// every coordinate transformation mode, scales or sizes (with the aspect-ratio
// policies), roi for tf_crop_and_resize. roi, scales and sizes decide the output
// shape (data inputs: constants in a Program), so the whole per-axis plan — the
// input indices and float32 weights each output coordinate reads — is made here,
// in float64 (IEEE + - * / and floor, no libm), once per Program.
#include "ops/resize.h"

#include <cmath>
#include <string>

#include "aivm/limits.h"
#include "math/resize_eval.h"
#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {
namespace {

enum class Transform { HALF_PIXEL, HALF_PIXEL_SYMMETRIC, PYTORCH_HALF_PIXEL, ALIGN_CORNERS, ASYMMETRIC, TF_HALF_PIXEL_FOR_NN, TF_CROP_AND_RESIZE };
// SIMPLE is Resize-10's (onnxruntime's rule for it): ceil when the axis shrinks, else floor;
// the loader's Resize-10 adapter asks for it as nearest_mode "simple".
enum class Nearest { ROUND_PREFER_FLOOR, ROUND_PREFER_CEIL, FLOOR, CEIL, SIMPLE };

template <class E>
E pick(const OpContext& ctx, const char* attr, const char* fallback, std::initializer_list<std::pair<const char*, E>> options) {
  const std::string v = ctx.attrs.get_string(ctx.op, attr, fallback);
  std::string names;
  for (const auto& [name, e] : options) {
    if (v == name) return e;
    names += std::string(names.empty() ? "" : ", ") + "\"" + name + "\"";
  }
  fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute '") + attr + "' must be one of " + names + ", got \"" + v + "\"");
}

// An optional input given as an empty tensor counts as absent (exporters write empty scales).
const Tensor* given(const OpContext& ctx, size_t i) {
  const Tensor* t = ctx.optional(i);
  return t && t->numel() > 0 ? t : nullptr;
}

// x_original for output coordinate o of an axis of `in` elements resized to `out`
// elements, `length` = in x scale unrounded (ONNX's reference uses it where the spec
// says length_resized; equal to `out` when sizes are given or in x scale is whole).
double original_coordinate(Transform tr, double o, double scale, int64_t in, int64_t out, double length, double roi_start, double roi_end) {
  switch (tr) {
    case Transform::HALF_PIXEL: return (o + 0.5) / scale - 0.5;
    case Transform::HALF_PIXEL_SYMMETRIC: {
      const double adjustment = double(out) / length;
      const double center = double(in) / 2.0;
      const double offset = center * (1.0 - adjustment);
      return offset + (o + 0.5) / scale - 0.5;
    }
    case Transform::PYTORCH_HALF_PIXEL: return length > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
    case Transform::ALIGN_CORNERS: return length == 1 ? 0.0 : o * double(in - 1) / (length - 1);
    case Transform::ASYMMETRIC: return o / scale;
    case Transform::TF_HALF_PIXEL_FOR_NN: return (o + 0.5) / scale;  // Resize-11 only
    case Transform::TF_CROP_AND_RESIZE:
      return length > 1 ? roi_start * double(in - 1) + o * (roi_end - roi_start) * double(in - 1) / (length - 1)
                        : 0.5 * (roi_start + roi_end) * double(in - 1);
  }
  return 0.0;
}

int64_t nearest_index(Nearest mode, double x, double scale) {
  const double f = std::floor(x);
  switch (mode) {
    case Nearest::SIMPLE: return int64_t(scale < 1 ? std::ceil(x) : f);
    case Nearest::FLOOR: return int64_t(f);
    case Nearest::CEIL: return int64_t(std::ceil(x));
    case Nearest::ROUND_PREFER_FLOOR: return int64_t(x - f > 0.5 ? f + 1 : f);
    case Nearest::ROUND_PREFER_CEIL: return int64_t(x - f >= 0.5 ? f + 1 : f);
  }
  return 0;
}

// The cubic convolution kernel's four weights for fraction r (Keys, parameter A).
void cubic_weights(double r, double A, double w[4]) {
  const double s1 = r + 1, s2 = 1 - r, s3 = 2 - r;
  w[0] = ((A * s1 - 5 * A) * s1 + 8 * A) * s1 - 4 * A;
  w[1] = ((A + 2) * r - (A + 3)) * r * r + 1;
  w[2] = ((A + 2) * s2 - (A + 3)) * s2 * s2 + 1;
  w[3] = ((A * s3 - 5 * A) * s3 + 8 * A) * s3 - 4 * A;
}

int64_t clamp_index(int64_t i, int64_t in) { return i < 0 ? 0 : (i >= in ? in - 1 : i); }

struct AxisSpec {
  bool resized = false;
  double scale = 1.0, roi_start = 0.0, roi_end = 1.0;
  int64_t out = 0;
  double length = 0;  // in x scale, unrounded (sizes given: the size itself)
};

ResizeAxis axis_plan(ResizeMode mode, Transform tr, Nearest nm, double A, bool exclude_outside, AxisSpec s, int64_t in) {
  // An axis of scale 1 and unchanged size is copied as it is, whatever the transformation
  // (as onnxruntime does; tf_half_pixel_for_nn would otherwise shift it by half an element).
  if (tr != Transform::TF_CROP_AND_RESIZE && s.scale == 1.0 && s.out == in) s.resized = false;
  ResizeAxis a;
  a.taps = mode == ResizeMode::NEAREST || !s.resized ? 1 : (mode == ResizeMode::LINEAR ? 2 : 4);
  a.index.resize(size_t(s.out * a.taps));
  a.weight.assign(size_t(s.out * a.taps), 0.0f);
  a.outside.assign(size_t(s.out), 0);
  for (int64_t o = 0; o < s.out; ++o) {
    int64_t* idx = &a.index[size_t(o * a.taps)];
    float* w = &a.weight[size_t(o * a.taps)];
    if (!s.resized) {  // an axis Resize does not touch: the identity
      idx[0] = o;
      w[0] = 1.0f;
      continue;
    }
    double x = original_coordinate(tr, double(o), s.scale, in, s.out, s.length, s.roi_start, s.roi_end);
    if (tr == Transform::TF_CROP_AND_RESIZE && !(x >= 0 && x <= double(in - 1))) {
      a.outside[size_t(o)] = 1;
      idx[0] = 0;
      continue;
    }
    if (mode == ResizeMode::NEAREST) {
      idx[0] = clamp_index(nearest_index(nm, x, s.scale), in);
      w[0] = 1.0f;
    } else if (mode == ResizeMode::LINEAR) {
      x = x < 0 ? 0 : (x > double(in - 1) ? double(in - 1) : x);  // edges: the end element itself
      const double f = std::floor(x), r = x - f;
      idx[0] = clamp_index(int64_t(f), in);
      idx[1] = clamp_index(int64_t(f) + 1, in);
      w[0] = float(1.0 - r);
      w[1] = float(r);
    } else {
      const double f = std::floor(x), r = x - f;
      double cw[4];
      cubic_weights(r, A, cw);
      double sum = 0;
      for (int t = 0; t < 4; ++t) {
        const int64_t i = int64_t(f) - 1 + t;
        if (exclude_outside && (i < 0 || i >= in)) cw[t] = 0;
        sum += cw[t];
      }
      for (int t = 0; t < 4; ++t) {
        idx[t] = clamp_index(int64_t(f) - 1 + t, in);
        w[t] = float(exclude_outside ? cw[t] / sum : cw[t]);
      }
      if (exclude_outside && !(sum != 0)) {  // no tap inside with a weight (x at an end): the nearest element
        for (int t = 0; t < 4; ++t) w[t] = 0.0f;
        idx[0] = clamp_index(nearest_index(Nearest::ROUND_PREFER_FLOOR, x, s.scale), in);
        w[0] = 1.0f;
      }
    }
  }
  return a;
}

std::vector<OutputSpec> infer_resize(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int rank = x.rank();
  ResizePlan plan;
  plan.mode = pick<ResizeMode>(ctx, "mode", "nearest", {{"nearest", ResizeMode::NEAREST}, {"linear", ResizeMode::LINEAR}, {"cubic", ResizeMode::CUBIC}});
  if (plan.mode != ResizeMode::NEAREST && x.dtype != DType::F32) {
    fail(ErrorCode::E_DTYPE, ctx.op, std::string("linear and cubic modes take float32 input 0 (X), got ") + dtype_name(x.dtype));
  }
  const Transform tr = pick<Transform>(ctx, "coordinate_transformation_mode", "half_pixel",
      {{"half_pixel", Transform::HALF_PIXEL}, {"half_pixel_symmetric", Transform::HALF_PIXEL_SYMMETRIC},
       {"pytorch_half_pixel", Transform::PYTORCH_HALF_PIXEL}, {"align_corners", Transform::ALIGN_CORNERS},
       {"asymmetric", Transform::ASYMMETRIC}, {"tf_half_pixel_for_nn", Transform::TF_HALF_PIXEL_FOR_NN},
       {"tf_crop_and_resize", Transform::TF_CROP_AND_RESIZE}});
  if (tr == Transform::TF_CROP_AND_RESIZE && x.dtype != DType::F32) {
    fail(ErrorCode::E_DTYPE, ctx.op, std::string("coordinate_transformation_mode \"tf_crop_and_resize\" takes float32 input 0 (X) (its extrapolation value is a float), got ") +
                                         dtype_name(x.dtype));
  }
  const Nearest nm = pick<Nearest>(ctx, "nearest_mode", "round_prefer_floor",
      {{"round_prefer_floor", Nearest::ROUND_PREFER_FLOOR}, {"round_prefer_ceil", Nearest::ROUND_PREFER_CEIL},
       {"floor", Nearest::FLOOR}, {"ceil", Nearest::CEIL}, {"simple", Nearest::SIMPLE}});
  enum class Policy { STRETCH, NOT_LARGER, NOT_SMALLER };
  const Policy policy = pick<Policy>(ctx, "keep_aspect_ratio_policy", "stretch",
      {{"stretch", Policy::STRETCH}, {"not_larger", Policy::NOT_LARGER}, {"not_smaller", Policy::NOT_SMALLER}});
  const double A = ctx.attrs.get_float(ctx.op, "cubic_coeff_a", -0.75f);
  const int64_t exclude = ctx.attrs.get_int(ctx.op, "exclude_outside", 0);
  if (exclude != 0 && exclude != 1) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'exclude_outside' must be 0 or 1");
  if (ctx.attrs.get_int(ctx.op, "antialias", 0) != 0) {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'antialias' = 1 (a widened filter when downsampling) is not implemented");
  }
  plan.extrapolation = math::canon(ctx.attrs.get_float(ctx.op, "extrapolation_value", 0.0f));  // every NaN written is canonical

  // The axes scales/sizes/roi name (default: all), in the order given.
  std::vector<int64_t> axes;
  bool axes_given = false;
  for (int64_t a : ctx.attrs.get_ints(ctx.op, "axes", {}, &axes_given)) {
    if (a < -rank || a >= rank) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'axes' holds " + std::to_string(a) + ", out of range for rank " + std::to_string(rank));
    const int64_t d = a < 0 ? a + rank : a;
    for (int64_t b : axes) if (b == d) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'axes' names axis " + std::to_string(d) + " twice");
    axes.push_back(d);
  }
  if (!axes_given) for (int d = 0; d < rank; ++d) axes.push_back(d);
  const size_t n = axes.size();

  const Tensor* scales = given(ctx, 2);
  const Tensor* sizes = given(ctx, 3);
  if ((scales != nullptr) == (sizes != nullptr)) {
    fail(ErrorCode::E_ARITY, ctx.op, "exactly one of input 2 (scales) and input 3 (sizes) must be given (a non-empty tensor)");
  }
  std::vector<AxisSpec> spec(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) spec[size_t(d)].out = x.shape[size_t(d)];
  if (const Tensor* roi = given(ctx, 1); roi && tr == Transform::TF_CROP_AND_RESIZE) {
    if (roi->dtype != DType::F32) fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 1 (roi) must be float32, got ") + dtype_name(roi->dtype));
    if (roi->rank() != 1 || size_t(roi->numel()) != 2 * n) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (roi) must be float32 with " + std::to_string(2 * n) + " values (starts, then ends), got " +
                                           dtype_name(roi->dtype) + " " + shape_str(roi->shape));
    }
    for (size_t k = 0; k < 2 * n; ++k) {
      if (!std::isfinite(roi->ptr<float>()[k])) fail(ErrorCode::E_VALUE, ctx.op, "input 1 (roi) holds a NaN or an infinity");
    }
    for (size_t k = 0; k < n; ++k) {
      spec[size_t(axes[k])].roi_start = roi->ptr<float>()[k];
      spec[size_t(axes[k])].roi_end = roi->ptr<float>()[k + n];
    }
  } else if (tr == Transform::TF_CROP_AND_RESIZE) {
    fail(ErrorCode::E_ARITY, ctx.op, "coordinate_transformation_mode \"tf_crop_and_resize\" needs input 1 (roi)");
  }
  const Tensor* given_values = scales ? scales : sizes;
  if (given_values->rank() != 1 || size_t(given_values->numel()) != n) {
    fail(ErrorCode::E_SHAPE, ctx.op, std::string(scales ? "input 2 (scales)" : "input 3 (sizes)") + " must hold " + std::to_string(n) +
                                         " values (one per axis), got shape " + shape_str(given_values->shape));
  }
  if (scales) {
    if (scales->dtype != DType::F32) fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 2 (scales) must be float32, got ") + dtype_name(scales->dtype));
    for (size_t k = 0; k < n; ++k) {
      const double s = scales->ptr<float>()[k];
      AxisSpec& a = spec[size_t(axes[k])];
      const double in = double(x.shape[size_t(axes[k])]);
      // floor(in x scale), also for tf_crop_and_resize (onnxruntime, ONNX's reference and shape inference).
      const double out = std::floor(in * s);
      if (!(s > 0) || !(out >= 0) || out > double(kMaxElements)) {
        fail(ErrorCode::E_VALUE, ctx.op, "input 2 (scales) holds " + std::to_string(s) + " for axis " + std::to_string(axes[k]) +
                                             ": a scale must be positive and give at most " + std::to_string(kMaxElements) + " elements");
      }
      a.resized = true;
      a.scale = s;
      a.out = int64_t(out);
      a.length = in * s;
    }
  } else {
    if (sizes->dtype != DType::I64) fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 3 (sizes) must be int64, got ") + dtype_name(sizes->dtype));
    double common = policy == Policy::NOT_LARGER ? INFINITY : 0.0;
    for (size_t k = 0; k < n; ++k) {
      const int64_t want = sizes->ptr<int64_t>()[k], in = x.shape[size_t(axes[k])];
      if (want < 0 || want > kMaxElements || (in == 0 && want > 0)) {
        fail(ErrorCode::E_VALUE, ctx.op, "input 3 (sizes) holds " + std::to_string(want) + " for axis " + std::to_string(axes[k]) + " of size " +
                                             std::to_string(in));
      }
      const double s = in == 0 ? 1.0 : double(want) / double(in);
      if (policy == Policy::NOT_LARGER) common = s < common ? s : common;
      if (policy == Policy::NOT_SMALLER) common = s > common ? s : common;
      AxisSpec& a = spec[size_t(axes[k])];
      a.resized = true;
      a.scale = s;
      a.out = want;
      a.length = double(want);
    }
    if (policy != Policy::STRETCH) {
      // One scale for every named axis; sizes rounded half to even, as ONNX's reference (numpy's round).
      for (size_t k = 0; k < n; ++k) {
        AxisSpec& a = spec[size_t(axes[k])];
        a.scale = common;
        a.length = common * double(x.shape[size_t(axes[k])]);
        // round(scale x in), halfway up (the spec's round_int; onnxruntime's std::round).
        const double rounded = std::floor(a.length + 0.5);
        if (!(rounded >= 0 && rounded <= double(kMaxElements))) {
          fail(ErrorCode::E_VALUE, ctx.op, "keep_aspect_ratio_policy gives axis " + std::to_string(axes[k]) + " a size over " +
                                               std::to_string(kMaxElements));
        }
        a.out = int64_t(rounded);
      }
    }
  }
  int resized_multi = 0;
  Shape out(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    const AxisSpec& a = spec[size_t(d)];
    out[size_t(d)] = a.out;
    if (a.out > 0 && x.shape[size_t(d)] == 0) {
      fail(ErrorCode::E_VALUE, ctx.op, "axis " + std::to_string(d) + " of input 0 is empty: nothing to resize from");
    }
    resized_multi += a.resized && plan.mode != ResizeMode::NEAREST;
  }
  const int taps = plan.mode == ResizeMode::LINEAR ? 2 : 4;
  int64_t corners = 1;
  for (int k = 0; k < resized_multi; ++k) corners *= taps;
  if (plan.mode != ResizeMode::NEAREST && corners > math::kResizeMaxCorners) {
    fail(ErrorCode::E_ATTR, ctx.op, "resizing " + std::to_string(resized_multi) + " axes at once in this mode reads " + std::to_string(corners) +
                                        " inputs per output, over the engine's " + std::to_string(math::kResizeMaxCorners));
  }
  // The plan's tables hold one entry per output coordinate and tap of each axis, built
  // here, before any memory limit of the run applies: bounded on their own.
  int64_t entries = 0;
  for (int d = 0; d < rank; ++d) entries += out[size_t(d)] * (plan.mode == ResizeMode::NEAREST ? 1 : taps);
  if (entries > kMaxOpIndexTableEntries) {
    fail(ErrorCode::E_TOO_LARGE, ctx.op, "output shape " + shape_str(out) + " needs " + std::to_string(entries) +
                                             " index entries, over the engine's " + std::to_string(kMaxOpIndexTableEntries));
  }
  for (int d = 0; d < rank; ++d) {
    plan.axes.push_back(axis_plan(plan.mode, tr, nm, A, exclude == 1, spec[size_t(d)], x.shape[size_t(d)]));
  }
  ctx.keep(std::move(plan));
  return {{x.dtype, out}};
}

}  // namespace

void add_resize_contracts(ContractTable& t) {
  // roi (1), scales (2) and sizes (3) decide the output shape and the plan: infer reads them.
  t.add(OpId::Resize, {1, 4, {"mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
                              "extrapolation_value", "keep_aspect_ratio_policy", "axes", "antialias"},
                       infer_resize, {1, 2, 3}});
}

}  // namespace aivm::ops
