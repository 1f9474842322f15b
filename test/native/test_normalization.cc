// Softmax, LogSoftmax, LayerNormalization, BatchNormalization: bit equality
// across ISAs and threads, the documented canonical order (re-implemented here
// independently of the engine), batch invariance, accuracy against float64
// references written from the ONNX spec, special values and every error path.
#include <cmath>
#include <cstring>
#include <limits>

#include "math/transcendental.h"
#include "test_util.h"

using namespace aivm;
using namespace aivm_test;

namespace {

Attrs axis_attrs(int64_t axis) { return attrs1("axis", attr_int(axis)); }

// Random floats with about 1 in 8 replaced by a special value.
Tensor special_f32(const Shape& shape, uint64_t stream) {
  return with_specials(shape, stream, {0.0f, -0.0f, kInf, -kInf, kNaN, 1e-45f, -1e-40f, 3e38f, -3e38f, 100.0f, -100.0f},
                       7, 3);
}

// ---- The documented canonical order, written again from docs/numerics ----------

float doc_max(const std::vector<float>& v) {
  bool nan = false;
  float m = -kInf;
  for (float f : v) {
    if (std::isnan(f)) nan = true;
    else if (f > m || (f == m && !std::signbit(f))) m = f;
  }
  return nan ? from_bits(kCanonNan) : m;
}

// Softmax / LogSoftmax of one slice in the documented order.
std::vector<float> doc_softmax(const std::vector<float>& x, bool log) {
  float m = doc_max(x);
  std::vector<float> e(x.size()), y(x.size());
  for (size_t i = 0; i < x.size(); ++i) e[i] = math::exp_f32(x[i] - m);
  float s = doc_canonical_sum(e);
  float ls = math::log_f32(s);
  for (size_t i = 0; i < x.size(); ++i) y[i] = log ? (x[i] - m) - ls : e[i] / s;
  return y;
}

// Gathers slice (o, p) of x viewed as [outer, n, inner].
std::vector<float> slice_of(const Tensor& x, int64_t o, int64_t n, int64_t inner, int64_t p) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) v[size_t(k)] = x.ptr<float>()[(o * n + k) * inner + p];
  return v;
}

void split(const Shape& s, int axis, int64_t* outer, int64_t* n, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (int d = 0; d < axis; ++d) *outer *= s[size_t(d)];
  *n = s[size_t(axis)];
  for (size_t d = size_t(axis) + 1; d < s.size(); ++d) *inner *= s[d];
}

// Runs everywhere and checks every slice against the documented order.
void check_softmax_order(const char* op, const Tensor& x, int axis) {
  Attrs a = axis_attrs(axis);
  std::vector<Tensor> y = run_everywhere(op, {&x}, a);
  int ax = axis < 0 ? axis + x.rank() : axis;
  int64_t outer, n, inner;
  split(x.shape, ax, &outer, &n, &inner);
  bool log = std::strcmp(op, "LogSoftmax") == 0;
  int bad = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t p = 0; p < inner; ++p) {
      std::vector<float> want = doc_softmax(slice_of(x, o, n, inner, p), log);
      std::vector<float> got = slice_of(y[0], o, n, inner, p);
      for (int64_t k = 0; k < n; ++k) bad += !same_bits_or_nan(got[size_t(k)], want[size_t(k)]);
    }
  }
  CHECK_MSG(bad == 0, std::string(op) + " " + shape_str(x.shape) + " axis " + std::to_string(axis) + ": " +
                          std::to_string(bad) + " elements differ from the documented order");
}

// ---- float64 references straight from the ONNX spec ---------------------------

std::vector<double> ref_softmax(const Tensor& x, int axis, bool log) {
  int64_t outer, n, inner;
  split(x.shape, axis, &outer, &n, &inner);
  std::vector<double> y(size_t(x.numel()));
  const float* px = x.ptr<float>();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t p = 0; p < inner; ++p) {
      double m = -INFINITY;
      for (int64_t k = 0; k < n; ++k) m = std::max(m, double(px[(o * n + k) * inner + p]));
      double s = 0;
      for (int64_t k = 0; k < n; ++k) s += std::exp(double(px[(o * n + k) * inner + p]) - m);
      for (int64_t k = 0; k < n; ++k) {
        double d = double(px[(o * n + k) * inner + p]) - m;
        y[size_t((o * n + k) * inner + p)] = log ? d - std::log(s) : std::exp(d) / s;
      }
    }
  }
  return y;
}

}  // namespace

// ---- Softmax / LogSoftmax ------------------------------------------------------

TEST(softmax_last_axis_odd_lengths_bits_and_order) {
  uint64_t stream = 100;
  for (int64_t n : {1, 3, 7, 17, 31, 33, 1000, 1023, 4097}) {
    for (const char* op : {"Softmax", "LogSoftmax"}) {
      Tensor x = random_f32({3, n}, stream++, 8.0f);
      check_softmax_order(op, x, -1);
      Tensor s = special_f32({2, n}, stream++);
      check_softmax_order(op, s, 1);
    }
  }
}

TEST(softmax_every_axis_bits_and_order) {
  uint64_t stream = 200;
  for (const Shape& shape : {Shape{3, 17, 5, 7}, Shape{2, 33, 70}, Shape{1, 1000, 3}, Shape{4097, 2}, Shape{7}}) {
    int rank = int(shape.size());
    for (int axis = -rank; axis < rank; ++axis) {
      for (const char* op : {"Softmax", "LogSoftmax"}) {
        Tensor x = random_f32(shape, stream++, 6.0f);
        check_softmax_order(op, x, axis);
      }
    }
  }
  Tensor s = special_f32({5, 31, 66}, 250);
  for (int axis = 0; axis < 3; ++axis) {
    check_softmax_order("Softmax", s, axis);
    check_softmax_order("LogSoftmax", s, axis);
  }
}

TEST(softmax_default_axis_is_last) {
  Tensor x = random_f32({4, 9, 6}, 300, 3.0f);
  std::vector<Tensor> a = run_everywhere("Softmax", {&x}, {});
  std::vector<Tensor> b = run("Softmax", {&x}, axis_attrs(2));
  CHECK(same_bits(a[0], b[0]));
}

TEST(softmax_batch_invariance) {
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    // Row b of a batched last-axis run equals that row run alone.
    const int64_t B = 9, n = 1023;
    Tensor x = random_f32({B, n}, 310, 5.0f);
    std::vector<Tensor> all = run(op, {&x}, {}, available_isas().back(), 4);
    for (int64_t b = 0; b < B; ++b) {
      Tensor row = make_tensor(DType::F32, {1, n});
      std::memcpy(row.data, x.ptr<float>() + b * n, size_t(n) * 4);
      for (Isa isa : available_isas()) {
        Tensor y = run(op, {&row}, {}, isa, 1)[0];
        CHECK_MSG(std::memcmp(y.data, all[0].ptr<float>() + b * n, size_t(n) * 4) == 0,
                  std::string(op) + " row " + std::to_string(b) + " on " + isa_name(isa));
      }
    }
    // A strided slice (axis 1 of [2, n, 100], tiles of 64 positions) equals the
    // same values as a contiguous row.
    Tensor z = random_f32({2, 33, 100}, 311, 5.0f);
    std::vector<Tensor> zy = run(op, {&z}, axis_attrs(1), available_isas().back(), 3);
    for (int64_t o : {0, 1}) {
      for (int64_t p : {0, 63, 64, 99}) {
        std::vector<float> col = slice_of(z, o, 33, 100, p);
        Tensor row = tensor_f32({33}, col);
        Tensor y = run(op, {&row}, {})[0];
        std::vector<float> got = slice_of(zy[0], o, 33, 100, p);
        CHECK_MSG(std::memcmp(y.data, got.data(), 33 * 4) == 0,
                  std::string(op) + " strided slice " + std::to_string(o) + "," + std::to_string(p));
      }
    }
  }
}

// Inputs on the 2^-23 grid in [-1, 1): x - max is exact, so the error is exp
// (<= 0.5 ulp + 2^-27) plus the canonical sum of n positive terms (each partial
// accumulates ceil(n/16) terms, then 4 tree levels: relative error at most
// (n/16 + 4) * 2^-24, about 0.5 ulp per 32 terms; random rounding keeps it far
// below that bound) plus one division (0.5 ulp). 4 ulp covers n = 4097 in
// practice with margin. LogSoftmax: (x - m) - log(s) cancels when x is near the
// max and log(s) is small, so an absolute tolerance of 4 ulp of log(n) is
// allowed (log(s) <= log(n) < 8.4, one ulp of 8 is 9.5e-7).
TEST(softmax_accuracy_vs_double) {
  uint64_t stream = 400;
  for (const Shape& shape : {Shape{5, 4097}, Shape{17, 33}, Shape{3, 1000, 2}, Shape{31, 7, 3}}) {
    int rank = int(shape.size());
    for (int axis = 0; axis < rank; ++axis) {
      Tensor x = random_f32(shape, stream++, 1.0f);
      Tensor y = run("Softmax", {&x}, axis_attrs(axis), available_isas().back(), 2)[0];
      check_close(y, ref_softmax(x, axis, false), 4.0, 0.0, "Softmax " + shape_str(shape));
      Tensor ly = run("LogSoftmax", {&x}, axis_attrs(axis), available_isas().back(), 2)[0];
      check_close(ly, ref_softmax(x, axis, true), 4.0, 4e-6, "LogSoftmax " + shape_str(shape));
    }
  }
  // Wide range: x - max is rounded (relative 2^-24, i.e. up to |x - max| * 2^-24
  // absolute inside exp) so the relative error of exp grows with |x - max| <= 40:
  // allow 40 ulp; LogSoftmax's absolute error is ~|x - max| * 2^-24 + ulp(log n).
  Tensor w = random_f32({9, 1000}, 450, 20.0f);
  check_close(run("Softmax", {&w}, {})[0], ref_softmax(w, 1, false), 48.0, 1e-30, "Softmax wide range");
  check_close(run("LogSoftmax", {&w}, {})[0], ref_softmax(w, 1, true), 8.0, 8e-6, "LogSoftmax wide range");
}

TEST(softmax_special_values) {
  // -inf contributes an exact 0; large values do not overflow (max subtracted).
  Tensor a = tensor_f32({1, 3}, {1.0f, -kInf, 1.0f});
  std::vector<Tensor> y = run_everywhere("Softmax", {&a}, {});
  CHECK(y[0].ptr<float>()[0] == 0.5f && bits_of(y[0].ptr<float>()[1]) == 0 && y[0].ptr<float>()[2] == 0.5f);
  std::vector<Tensor> ly = run_everywhere("LogSoftmax", {&a}, {});
  CHECK(ly[0].ptr<float>()[1] == -kInf);
  Tensor big = tensor_f32({2}, {3e38f, 3e38f});
  y = run_everywhere("Softmax", {&big}, {});
  CHECK(y[0].ptr<float>()[0] == 0.5f && y[0].ptr<float>()[1] == 0.5f);
  // NaN anywhere, +inf anywhere (inf - inf) or a slice of only -inf: all NaN.
  for (const std::vector<float>& v : {std::vector<float>{1.0f, kNaN, 2.0f}, std::vector<float>{1.0f, kInf, 2.0f},
                                      std::vector<float>{-kInf, -kInf, -kInf}}) {
    Tensor t = tensor_f32({3}, v);
    for (const char* op : {"Softmax", "LogSoftmax"}) {
      Tensor r = run_everywhere(op, {&t}, {})[0];
      for (int i = 0; i < 3; ++i) CHECK_MSG(std::isnan(r.ptr<float>()[i]), std::string(op) + " expects NaN");
    }
  }
  // A single -0: max is -0, x - max = +0, exp = 1: Softmax 1, LogSoftmax +0.
  Tensor z = tensor_f32({1}, {-0.0f});
  CHECK(run_everywhere("Softmax", {&z}, {})[0].ptr<float>()[0] == 1.0f);
  CHECK(bits_of(run_everywhere("LogSoftmax", {&z}, {})[0].ptr<float>()[0]) == 0u);
  // Max rule: +0 > -0, so with {-0, +0} the max is +0: -0 - +0 = -0 for the first.
  Tensor zz = tensor_f32({2}, {-0.0f, 0.0f});
  Tensor lz = run_everywhere("LogSoftmax", {&zz}, {})[0];
  CHECK(lz.ptr<float>()[0] == lz.ptr<float>()[1]);
  // Subnormals are honoured: exp(tiny) == 1 exactly, sum 2.
  Tensor sub = tensor_f32({2}, {1e-45f, -1e-45f});
  Tensor sy = run_everywhere("Softmax", {&sub}, {})[0];
  CHECK(sy.ptr<float>()[0] == 0.5f && sy.ptr<float>()[1] == 0.5f);
}

TEST(softmax_empty) {
  for (const Shape& s : {Shape{0, 5}, Shape{3, 0}, Shape{2, 0, 4}}) {
    Tensor x = make_tensor(DType::F32, s);
    for (int axis = 0; axis < int(s.size()); ++axis) {
      std::vector<Tensor> y = run_everywhere("Softmax", {&x}, axis_attrs(axis));
      CHECK(y[0].shape == s);
      run_everywhere("LogSoftmax", {&x}, axis_attrs(axis));
    }
  }
}

TEST(softmax_errors) {
  Tensor x = random_f32({2, 3}, 500);
  Tensor i64 = tensor_i64({2}, {1, 2});
  Tensor scalar = make_tensor(DType::F32, {});
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&i64}));
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&scalar}));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, axis_attrs(2)));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, axis_attrs(-3)));
    Attrs fa;
    fa.set("axis", attr_float(1.5f));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, fa));
    Attrs unknown;
    unknown.set("axes", attr_int(1));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, unknown));
    CHECK_THROWS_CODE(E_ARITY, run(op, {}));
    CHECK_THROWS_CODE(E_ARITY, run(op, {&x, &x}));
  }
}

// ---- LayerNormalization ----------------------------------------------------------

namespace {

Attrs ln_attrs(int64_t axis, float eps) {
  Attrs a;
  a.set("axis", attr_int(axis));
  a.set("epsilon", attr_float(eps));
  return a;
}

// float64 reference from the ONNX spec (mean, population variance, Scale and B
// broadcast to the normalized shape).
void ref_layer_norm(const Tensor& x, const Tensor& scale, const Tensor* bias, int axis, double eps,
                    std::vector<double>* y, std::vector<double>* mean, std::vector<double>* inv) {
  int64_t outer = 1, n = 1;
  for (int d = 0; d < axis; ++d) outer *= x.shape[size_t(d)];
  for (int d = axis; d < x.rank(); ++d) n *= x.shape[size_t(d)];
  Shape norm(x.shape.begin() + axis, x.shape.end());
  auto bcast = [&](const Tensor& t, int64_t i) {
    // index i of the normalized shape -> element of t (right-aligned, size-1 dims broadcast)
    int64_t off = 0, mul = 1;
    for (int d = int(norm.size()) - 1, td = t.rank() - 1; d >= 0; --d, --td) {
      int64_t idx = i % norm[size_t(d)];
      i /= norm[size_t(d)];
      if (td >= 0) {
        if (t.shape[size_t(td)] != 1) off += idx * mul;
        mul *= t.shape[size_t(td)];
      }
    }
    return double(t.ptr<float>()[off]);
  };
  y->assign(size_t(x.numel()), 0);
  mean->assign(size_t(outer), 0);
  inv->assign(size_t(outer), 0);
  for (int64_t r = 0; r < outer; ++r) {
    const float* xr = x.ptr<float>() + r * n;
    double m = 0, v = 0;
    for (int64_t i = 0; i < n; ++i) m += xr[i];
    m /= double(n);
    for (int64_t i = 0; i < n; ++i) v += (xr[i] - m) * (xr[i] - m);
    v /= double(n);
    double iv = 1.0 / std::sqrt(v + eps);
    (*mean)[size_t(r)] = m;
    (*inv)[size_t(r)] = iv;
    for (int64_t i = 0; i < n; ++i) {
      (*y)[size_t(r * n + i)] = (xr[i] - m) * iv * bcast(scale, i) + (bias ? bcast(*bias, i) : 0.0);
    }
  }
}

}  // namespace

TEST(layer_norm_bits_every_axis_and_broadcast) {
  uint64_t stream = 600;
  for (const Shape& shape : {Shape{3, 17}, Shape{2, 1023}, Shape{4097}, Shape{3, 5, 7}, Shape{2, 3, 4, 31}}) {
    int rank = int(shape.size());
    for (int axis = -rank; axis < rank; ++axis) {
      int ax = axis < 0 ? axis + rank : axis;
      Shape norm(shape.begin() + ax, shape.end());
      Tensor x = special_f32(shape, stream++);
      Tensor sc = random_f32(norm, stream++, 2.0f);
      Tensor b = random_f32(norm, stream++, 1.0f);
      run_everywhere("LayerNormalization", {&x, &sc, &b}, ln_attrs(axis, 1e-5f));
      run_everywhere("LayerNormalization", {&x, &sc}, ln_attrs(axis, 1e-3f));
      Tensor xr = random_f32(shape, stream++, 3.0f);
      run_everywhere("LayerNormalization", {&xr, &sc, &b}, ln_attrs(axis, 0.0f));
      // Broadcast Scale / B: the last normalized dim only, and a single value.
      Tensor sc1 = random_f32({norm.back()}, stream++, 2.0f);
      Tensor b1 = random_f32({1}, stream++, 1.0f);
      run_everywhere("LayerNormalization", {&xr, &sc1, &b1}, ln_attrs(axis, 1e-5f));
    }
  }
}

// Errors: mean and variance are float sums of n terms (relative error about
// (n/16 + 4) * 2^-24 worst case); x - mean cancels, contributing |mean| * 2^-24
// absolutely; inv is 1.5 ulp; the output is 2-3 roundings on top. With inputs
// in [-3, 3) and mean near 0 the output (|y| <= ~6) is good to a few ulp, and
// cancellation in the final + B needs an absolute tolerance: 2e-6 (~ 4 ulp of 4).
TEST(layer_norm_accuracy_vs_double) {
  uint64_t stream = 700;
  for (const Shape& shape : {Shape{5, 1024}, Shape{7, 33}, Shape{2, 3, 17}, Shape{4097}}) {
    for (int axis = 0; axis < int(shape.size()); ++axis) {
      Shape norm(shape.begin() + axis, shape.end());
      Tensor x = random_f32(shape, stream++, 3.0f);
      Tensor sc = random_f32(norm, stream++, 2.0f);
      Tensor b = random_f32(norm, stream++, 1.0f);
      for (bool with_b : {true, false}) {
        std::vector<Tensor> y = with_b ? run("LayerNormalization", {&x, &sc, &b}, ln_attrs(axis, 1e-5f))
                                       : run("LayerNormalization", {&x, &sc}, ln_attrs(axis, 1e-5f));
        std::vector<double> ry, rm, ri;
        ref_layer_norm(x, sc, with_b ? &b : nullptr, axis, double(1e-5f), &ry, &rm, &ri);
        std::string what = "LayerNormalization " + shape_str(shape) + " axis " + std::to_string(axis);
        check_close(y[0], ry, 8.0, 2e-6, what + " Y");
        check_close(y[1], rm, 8.0, 1e-7, what + " Mean");
        check_close(y[2], ri, 8.0, 0.0, what + " InvStdDev");
      }
    }
  }
}

TEST(layer_norm_outputs_and_shapes) {
  Tensor x = tensor_f32({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor sc = tensor_f32({1}, {1.0f});
  std::vector<Tensor> y = run_everywhere("LayerNormalization", {&x, &sc}, ln_attrs(1, 0.0f));
  CHECK(y.size() == 3);
  CHECK((y[1].shape == Shape{2, 1, 1}) && (y[2].shape == Shape{2, 1, 1}));
  CHECK(y[1].ptr<float>()[0] == 2.5f && y[1].ptr<float>()[1] == 6.5f);
  // var = 1.25 exactly; inv = 1 / sqrt(1.25) in two IEEE roundings.
  CHECK(y[2].ptr<float>()[0] == 1.0f / std::sqrt(1.25f));
  // Default axis -1 and default epsilon 1e-5.
  Tensor sc2 = tensor_f32({2}, {1.0f, 1.0f});
  std::vector<Tensor> d = run("LayerNormalization", {&x, &sc2});
  std::vector<Tensor> e = run("LayerNormalization", {&x, &sc2}, ln_attrs(-1, 1e-5f));
  CHECK(same_bits(d[0], e[0]) && (d[1].shape == Shape{2, 2, 1}));
  // Without B: (d * inv) * scale, exactly; with B: fma((d * inv), scale, B).
  Tensor s3 = tensor_f32({2}, {3.0f, -0.5f});
  Tensor b3 = tensor_f32({2}, {0.25f, 1.0f});
  Tensor x3 = tensor_f32({1, 2}, {0.1f, 0.7f});
  std::vector<Tensor> nb = run_everywhere("LayerNormalization", {&x3, &s3}, ln_attrs(-1, 1e-5f));
  std::vector<Tensor> wb = run_everywhere("LayerNormalization", {&x3, &s3, &b3}, ln_attrs(-1, 1e-5f));
  float mean = (-0.0f + 0.1f + 0.7f) / 2.0f;
  float d0 = 0.1f - mean, d1 = 0.7f - mean;
  float var = ((-0.0f + d0 * d0) + d1 * d1) / 2.0f;
  float inv = 1.0f / std::sqrt(var + 1e-5f);
  CHECK(nb[0].ptr<float>()[0] == (d0 * inv) * 3.0f && nb[0].ptr<float>()[1] == (d1 * inv) * -0.5f);
  CHECK(wb[0].ptr<float>()[0] == std::fma(d0 * inv, 3.0f, 0.25f));
  CHECK(wb[0].ptr<float>()[1] == std::fma(d1 * inv, -0.5f, 1.0f));
}

TEST(layer_norm_batch_invariance) {
  const int64_t B = 7, n = 1023;
  Tensor x = random_f32({B, n}, 800, 2.0f);
  Tensor sc = random_f32({n}, 801, 1.0f);
  Tensor b = random_f32({n}, 802, 1.0f);
  std::vector<Tensor> all = run("LayerNormalization", {&x, &sc, &b}, {}, available_isas().back(), 3);
  for (int64_t r = 0; r < B; ++r) {
    Tensor row = make_tensor(DType::F32, {1, n});
    std::memcpy(row.data, x.ptr<float>() + r * n, size_t(n) * 4);
    for (Isa isa : available_isas()) {
      std::vector<Tensor> y = run("LayerNormalization", {&row, &sc, &b}, {}, isa, 1);
      CHECK(std::memcmp(y[0].data, all[0].ptr<float>() + r * n, size_t(n) * 4) == 0);
      CHECK(bits_of(y[1].ptr<float>()[0]) == bits_of(all[1].ptr<float>()[r]));
      CHECK(bits_of(y[2].ptr<float>()[0]) == bits_of(all[2].ptr<float>()[r]));
    }
  }
}

TEST(layer_norm_special_and_empty) {
  // A constant row: var = 0, inv = 1/sqrt(eps); with eps = 0, inv = inf and 0 * inf = NaN.
  Tensor c = tensor_f32({1, 4}, {2.0f, 2.0f, 2.0f, 2.0f});
  Tensor sc = tensor_f32({4}, {1, 1, 1, 1});
  std::vector<Tensor> y = run_everywhere("LayerNormalization", {&c, &sc}, ln_attrs(-1, 1e-5f));
  CHECK(y[0].ptr<float>()[0] == 0.0f);
  y = run_everywhere("LayerNormalization", {&c, &sc}, ln_attrs(-1, 0.0f));
  CHECK(y[2].ptr<float>()[0] == kInf && std::isnan(y[0].ptr<float>()[0]));
  // NaN in a row poisons that row only.
  Tensor n2 = tensor_f32({2, 4}, {1, kNaN, 3, 4, 1, 2, 3, 4});
  y = run_everywhere("LayerNormalization", {&n2, &sc}, {});
  CHECK(std::isnan(y[0].ptr<float>()[0]) && !std::isnan(y[0].ptr<float>()[4]));
  // Empty outer dim; empty normalized dims (Mean = 0/0 = NaN).
  Tensor e0 = make_tensor(DType::F32, {0, 4});
  y = run_everywhere("LayerNormalization", {&e0, &sc}, {});
  CHECK((y[0].shape == Shape{0, 4}) && (y[1].shape == Shape{0, 1}));
  Tensor e1 = make_tensor(DType::F32, {3, 0});
  Tensor sc0 = make_tensor(DType::F32, {0});
  y = run_everywhere("LayerNormalization", {&e1, &sc0}, {});
  CHECK((y[1].shape == Shape{3, 1}) && std::isnan(y[1].ptr<float>()[2]));
}

TEST(layer_norm_errors) {
  Tensor x = random_f32({2, 3}, 900);
  Tensor sc = random_f32({3}, 901);
  Tensor bad = random_f32({2}, 902);
  Tensor i64 = tensor_i64({3}, {1, 2, 3});
  Tensor scalar = make_tensor(DType::F32, {});
  const char* op = "LayerNormalization";
  CHECK_THROWS_CODE(E_DTYPE, run(op, {&i64, &sc}));
  CHECK_THROWS_CODE(E_DTYPE, run(op, {&x, &i64}));
  CHECK_THROWS_CODE(E_DTYPE, run(op, {&x, &sc, &i64}));
  CHECK_THROWS_CODE(E_SHAPE, run(op, {&scalar, &sc}));
  CHECK_THROWS_CODE(E_SHAPE, run(op, {&x, &bad}));
  CHECK_THROWS_CODE(E_SHAPE, run(op, {&x, &sc, &bad}));
  Tensor too_big = random_f32({3, 2, 3}, 903);
  CHECK_THROWS_CODE(E_SHAPE, run(op, {&x, &too_big}));
  CHECK_THROWS_CODE(E_ATTR, run(op, {&x, &sc}, ln_attrs(2, 1e-5f)));
  CHECK_THROWS_CODE(E_ATTR, run(op, {&x, &sc}, ln_attrs(-1, -1.0f)));
  CHECK_THROWS_CODE(E_ATTR, run(op, {&x, &sc}, ln_attrs(-1, kNaN)));
  Attrs st;
  st.set("stash_type", attr_int(10));
  CHECK_THROWS_CODE(E_ATTR, run(op, {&x, &sc}, st));
  Attrs unk;
  unk.set("momentum", attr_float(0.5f));
  CHECK_THROWS_CODE(E_ATTR, run(op, {&x, &sc}, unk));
  CHECK_THROWS_CODE(E_ARITY, run(op, {&x}));
  CHECK_THROWS_CODE(E_ARITY, run(op, {&x, nullptr}));
}

// ---- BatchNormalization -------------------------------------------------------------

TEST(batch_norm_bits_and_accuracy) {
  uint64_t stream = 1000;
  for (const Shape& shape : {Shape{2, 3}, Shape{1, 17, 31}, Shape{3, 7, 5, 5}, Shape{2, 33, 1023},
                             Shape{1, 3, 2, 3, 4}}) {
    int64_t c = shape[1];
    Tensor x = random_f32(shape, stream++, 3.0f);
    Tensor sc = random_f32({c}, stream++, 2.0f);
    Tensor b = random_f32({c}, stream++, 1.0f);
    Tensor m = random_f32({c}, stream++, 1.0f);
    Tensor v = random_f32({c}, stream++, 1.0f);
    for (int64_t i = 0; i < c; ++i) v.ptr<float>()[i] = std::fabs(v.ptr<float>()[i]) + 0.1f;
    Attrs a;
    a.set("epsilon", attr_float(1e-3f));
    a.set("momentum", attr_float(0.9f));
    Tensor y = run_everywhere("BatchNormalization", {&x, &sc, &b, &m, &v}, a)[0];
    Tensor xs = special_f32(shape, stream++);
    run_everywhere("BatchNormalization", {&xs, &sc, &b, &m, &v}, {});
    // Reference: (x - mean) / sqrt(var + eps) * scale + B in float64. Errors:
    // s_c has 2 roundings (1.5 ulp), x - mean 0.5 ulp, fma 0.5 ulp; the final
    // + B may cancel, so an absolute tolerance of ~4 ulp of |y| <= 32 (1e-5).
    std::vector<double> ref(size_t(x.numel()));
    int64_t spatial = x.numel() / (shape[0] * c);
    for (int64_t i = 0; i < x.numel(); ++i) {
      int64_t ch = (i / spatial) % c;
      double s = double(sc.ptr<float>()[ch]) / std::sqrt(double(v.ptr<float>()[ch]) + double(1e-3f));
      ref[size_t(i)] = (double(x.ptr<float>()[i]) - m.ptr<float>()[ch]) * s + b.ptr<float>()[ch];
    }
    check_close(y, ref, 4.0, 1e-5, "BatchNormalization " + shape_str(shape));
  }
  // Exact formula: s = scale / sqrt(var + eps); y = fma(x - mean, s, B).
  Tensor x = tensor_f32({1, 2, 2}, {0.3f, -1.7f, 2.5f, 0.1f});
  Tensor sc = tensor_f32({2}, {1.5f, -0.75f}), b = tensor_f32({2}, {0.2f, -0.4f});
  Tensor m = tensor_f32({2}, {0.05f, 1.1f}), v = tensor_f32({2}, {0.9f, 2.2f});
  Tensor y = run_everywhere("BatchNormalization", {&x, &sc, &b, &m, &v}, {})[0];
  float s0 = 1.5f / std::sqrt(0.9f + 1e-5f), s1 = -0.75f / std::sqrt(2.2f + 1e-5f);
  CHECK(y.ptr<float>()[0] == std::fma(0.3f - 0.05f, s0, 0.2f));
  CHECK(y.ptr<float>()[3] == std::fma(0.1f - 1.1f, s1, -0.4f));
  // Empty batch.
  Tensor e = make_tensor(DType::F32, {0, 2, 3});
  CHECK((run_everywhere("BatchNormalization", {&e, &sc, &b, &m, &v}, {})[0].shape == Shape{0, 2, 3}));
}

TEST(batch_norm_errors) {
  Tensor x = random_f32({2, 3, 4}, 1100);
  Tensor c3 = random_f32({3}, 1101);
  Tensor c2 = random_f32({2}, 1102);
  Tensor c33 = random_f32({3, 3}, 1103);
  Tensor i3 = tensor_i64({3}, {1, 2, 3});
  Tensor r1 = random_f32({3}, 1104);
  const char* op = "BatchNormalization";
  Attrs tm;
  tm.set("training_mode", attr_int(1));
  CHECK_THROWS_CODE(E_ATTR, run(op, {&x, &c3, &c3, &c3, &c3}, tm));
  Attrs eps;
  eps.set("epsilon", attr_float(-1.0f));
  CHECK_THROWS_CODE(E_ATTR, run(op, {&x, &c3, &c3, &c3, &c3}, eps));
  Attrs unk;
  unk.set("spatial", attr_int(1));
  CHECK_THROWS_CODE(E_ATTR, run(op, {&x, &c3, &c3, &c3, &c3}, unk));
  CHECK_THROWS_CODE(E_SHAPE, run(op, {&r1, &c3, &c3, &c3, &c3}));
  CHECK_THROWS_CODE(E_SHAPE, run(op, {&x, &c2, &c3, &c3, &c3}));
  CHECK_THROWS_CODE(E_SHAPE, run(op, {&x, &c3, &c3, &c3, &c33}));
  CHECK_THROWS_CODE(E_DTYPE, run(op, {&x, &c3, &c3, &i3, &c3}));
  Tensor xi = tensor_i64({1, 3}, {1, 2, 3});
  CHECK_THROWS_CODE(E_DTYPE, run(op, {&xi, &c3, &c3, &c3, &c3}));
  CHECK_THROWS_CODE(E_ARITY, run(op, {&x, &c3, &c3, &c3}));
  CHECK_THROWS_CODE(E_ARITY, run(op, {&x, &c3, &c3, &c3, nullptr}));
}

// ---- RMSNormalization (issue 13) -----------------------------------------------------

// float64 reference: y = x / sqrt(mean(x^2) + eps) * scale (Scale broadcast as LayerNormalization's).
std::vector<double> ref_rms_norm(const Tensor& x, const Tensor& scale, int axis, double eps) {
  int64_t n = 1;
  for (size_t d = size_t(axis); d < x.shape.size(); ++d) n *= x.shape[d];
  const int64_t outer = n == 0 ? 0 : x.numel() / n;
  const Shape norm(x.shape.begin() + axis, x.shape.end());
  std::vector<double> y(size_t(x.numel()));
  for (int64_t r = 0; r < outer; ++r) {
    double ms = 0;
    for (int64_t i = 0; i < n; ++i) ms += double(x.ptr<float>()[r * n + i]) * x.ptr<float>()[r * n + i];
    const double inv = 1.0 / std::sqrt(ms / double(n) + eps);
    for (int64_t i = 0; i < n; ++i) {
      y[size_t(r * n + i)] = x.ptr<float>()[r * n + i] * inv * scale.ptr<float>()[broadcast_source(norm, scale.shape, i)];
    }
  }
  return y;
}

TEST(rms_norm_bits_and_accuracy_every_axis) {
  uint64_t stream = 900;
  for (const Shape& shape : {Shape{3, 17}, Shape{2, 1023}, Shape{4097}, Shape{3, 5, 7}, Shape{2, 3, 4, 31}}) {
    const int rank = int(shape.size());
    for (int axis = -rank; axis < rank; ++axis) {
      const int ax = axis < 0 ? axis + rank : axis;
      const Shape norm(shape.begin() + ax, shape.end());
      Tensor x = random_f32(shape, stream++, 3.0f);
      Tensor sc = random_f32(norm, stream++, 2.0f);
      Tensor sc1 = random_f32({norm.back()}, stream++, 2.0f);
      for (const Tensor* s : {&sc, &sc1}) {
        const std::vector<Tensor> y = run_everywhere("RMSNormalization", {&x, s}, ln_attrs(axis, 1e-5f));
        CHECK(y.size() == 1 && y[0].shape == shape);
        // Sum of squares (relative error about (n/16 + 4) 2^-24), sqrt, division and two multiplies.
        check_close(y[0], ref_rms_norm(x, *s, ax, double(1e-5f)), 8.0, 1e-6,
                    "RMSNormalization " + shape_str(shape) + " axis " + std::to_string(axis));
      }
      Tensor sp = special_f32(shape, stream++);
      run_everywhere("RMSNormalization", {&sp, &sc}, ln_attrs(axis, 0.0f));
    }
  }
  // Written out: the sequence, exactly.
  Tensor x = tensor_f32({1, 2}, {3.0f, -4.0f}), s = tensor_f32({2}, {2.0f, 0.5f});
  const std::vector<Tensor> y = run_everywhere("RMSNormalization", {&x, &s}, ln_attrs(-1, 0.0f));
  const float inv = 1.0f / std::sqrt(((-0.0f + 9.0f) + 16.0f) / 2.0f);
  CHECK(y[0].ptr<float>()[0] == (3.0f * inv) * 2.0f && y[0].ptr<float>()[1] == (-4.0f * inv) * 0.5f);
  // A zero row with epsilon 0: 0 * (1 / 0) = NaN, canonical.
  Tensor z = tensor_f32({1, 2}, {0.0f, -0.0f});
  CHECK(bits_of(run_everywhere("RMSNormalization", {&z, &s}, ln_attrs(-1, 0.0f))[0].ptr<float>()[0]) == kCanonNan);
  // Errors: B is not an input of RMSNormalization; Scale must broadcast; float32 only.
  Tensor bad = tensor_f32({3}, {1, 2, 3}), xi = tensor_i64({2}, {1, 2});
  CHECK_THROWS_CODE(E_ARITY, run("RMSNormalization", {&x, &s, &s}));
  CHECK_THROWS_CODE(E_SHAPE, run("RMSNormalization", {&x, &bad}));
  CHECK_THROWS_CODE(E_DTYPE, run("RMSNormalization", {&xi, &s}));
  CHECK_THROWS_CODE(E_ATTR, run("RMSNormalization", {&x, &s}, ln_attrs(-1, -1.0f)));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
