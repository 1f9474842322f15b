// Self-test cases for Neg, Abs, Sqrt, Reciprocal, Relu, LeakyRelu, Sigmoid,
// Tanh, Exp, Log, Erf, Gelu, Softplus and Clip. Streams 2000-2999.
#include "engine/selftest.h"

#include <limits>

namespace aivm {

namespace {
Attrs attrs_of(const char* name, AttrValue v) {
  Attrs a;
  a.set(name, std::move(v));
  return a;
}
}  // namespace

void selftest_cases_unary(CaseList& out) {
  // Odd sizes (SIMD tails), a rank-0 scalar, a multi-dim shape and an empty one.
  const std::vector<Shape> shapes = {{1}, {3}, {7}, {17}, {31}, {33}, {1000}, {1023}, {}, {3, 5, 7}, {0, 4}};
  uint64_t stream = 2000;
  for (const char* op : {"Neg", "Abs", "Sqrt", "Reciprocal", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Exp", "Log",
                         "Erf", "Gelu", "Softplus", "Clip"}) {
    for (const Shape& s : shapes) out.push_back({op, {st_special(s, stream++)}, {}, {}});
  }
  // Wider ranges where the functions saturate, overflow or underflow.
  for (const char* op : {"Sigmoid", "Tanh", "Exp", "Log", "Erf", "Gelu", "Softplus"}) {
    out.push_back({op, {st_uniform({1000}, stream++, -120.0f, 120.0f)}, {}, {}});
  }
  out.push_back({"Log", {st_uniform({1000}, stream++, 0.0f, 1e30f)}, {}, {}});
  out.push_back({"Sqrt", {st_uniform({1000}, stream++, 0.0f, 1e6f)}, {}, {}});
  // Integer Neg / Abs, including the wrapping extremes.
  // (st_ints needs hi - lo to fit in int64: it is computed signed.)
  const int64_t big = (int64_t(1) << 62) - 1;
  const int64_t i64min = std::numeric_limits<int64_t>::min(), i64max = std::numeric_limits<int64_t>::max();
  out.push_back({"Neg", {st_ints(DType::I64, {1023}, stream++, -big, big)}, {}, {}});
  out.push_back({"Abs", {st_ints(DType::I64, {1023}, stream++, -big, big)}, {}, {}});
  out.push_back({"Neg", {st_i64_values({i64min, i64min + 1, -1, 0, 1, i64max})}, {}, {}});
  out.push_back({"Abs", {st_i64_values({i64min, i64min + 1, -1, 0, 1, i64max})}, {}, {}});
  out.push_back({"Neg", {st_ints(DType::I32, {33}, stream++, INT32_MIN, INT32_MAX)}, {}, {}});
  out.push_back({"Abs", {st_ints(DType::I32, {33}, stream++, INT32_MIN, INT32_MAX)}, {}, {}});
  out.push_back({"Abs", {st_ints(DType::I32, {3}, stream++, INT32_MIN, INT32_MIN)}, {}, {}});
  // Attributes.
  for (float alpha : {0.0f, 0.2f, -1.5f, 3.0f}) {
    out.push_back({"LeakyRelu", {st_special({1023}, stream++)}, {}, attrs_of("alpha", attr_float(alpha))});
  }
  for (const char* mode : {"none", "tanh"}) {
    out.push_back({"Gelu", {st_special({1023}, stream++)}, {}, attrs_of("approximate", attr_string(mode))});
    out.push_back({"Gelu", {st_uniform({1000}, stream++, -12.0f, 12.0f)}, {}, attrs_of("approximate", attr_string(mode))});
  }
  // Clip: both bounds, one bound (other omitted), rank-0 and [1] bounds,
  // signed-zero and NaN bounds, min > max, integer forms.
  Tensor none = st_f32_values({}, {0.0f});
  auto clip = [&](Tensor x, Tensor lo, Tensor hi, bool omit_lo, bool omit_hi) {
    out.push_back({"Clip", {std::move(x), std::move(lo), std::move(hi)}, {false, omit_lo, omit_hi}, {}});
  };
  const float qnan = std::numeric_limits<float>::quiet_NaN();
  clip(st_special({1023}, stream++), st_f32_values({}, {-0.5f}), st_f32_values({1}, {0.75f}), false, false);
  clip(st_special({1023}, stream++), st_f32_values({}, {-0.5f}), none, false, true);
  clip(st_special({33}, stream++), none, st_f32_values({}, {0.25f}), true, false);
  clip(st_special({1023}, stream++), st_f32_values({}, {0.0f}), st_f32_values({}, {-0.0f}), false, false);
  clip(st_special({1023}, stream++), st_f32_values({}, {-0.0f}), st_f32_values({}, {0.0f}), false, false);
  clip(st_special({31}, stream++), st_f32_values({}, {2.0f}), st_f32_values({}, {1.0f}), false, false);
  clip(st_special({17}, stream++), st_f32_values({}, {qnan}), st_f32_values({}, {1.0f}), false, false);
  clip(st_special({17}, stream++), none, st_f32_values({}, {qnan}), true, false);
  clip(st_special({7, 9}, stream++), st_f32_values({1}, {-std::numeric_limits<float>::infinity()}),
       st_f32_values({1}, {std::numeric_limits<float>::infinity()}), false, false);
  out.push_back({"Clip", {st_special({0, 3}, stream++), st_f32_values({}, {-1.0f}), st_f32_values({}, {1.0f})}, {}, {}});
  Tensor i64_lo = st_ints(DType::I64, {}, stream++, -100, -100);
  Tensor i64_hi = st_ints(DType::I64, {1}, stream++, 250, 250);
  clip(st_ints(DType::I64, {1023}, stream++, -1000, 1000), i64_lo, i64_hi, false, false);
  clip(st_ints(DType::I64, {33}, stream++, -1000, 1000), i64_lo, i64_hi, true, false);
  // Explicit stream numbers: function arguments have no evaluation order.
  clip(st_ints(DType::I32, {1023}, stream, -1000, 1000), st_ints(DType::I32, {}, stream + 1, -7, -7),
       st_ints(DType::I32, {}, stream + 2, 9, 9), false, false);
  clip(st_ints(DType::I32, {31}, stream + 3, -1000, 1000), st_ints(DType::I32, {}, stream + 4, 5, 5),
       st_ints(DType::I32, {}, stream + 5, -5, -5), false, false);
}

}  // namespace aivm
