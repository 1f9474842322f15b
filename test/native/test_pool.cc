// Pool family: MaxPool, AveragePool, GlobalAveragePool.
// (1) bit equality across ISAs and threads, (2) accuracy against a float64
// reference written straight from the ONNX spec, (3) every error path,
// (4) NaN / inf / -0 / all-padding windows, (5) ONNX conformance data when present.
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "test_util.h"

using aivm::Attrs;
using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

// Random values with about 1 in 8 replaced by a special value.
Tensor special_f32(const Shape& shape, uint64_t stream) {
  return with_specials(shape, stream,
                       {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-40f, -1e-40f, FLT_MAX, -FLT_MAX, FLT_MIN, 3e30f}, 7, 8);
}

// ---- The float64 reference, from the ONNX spec (and onnxruntime's limits) ----

struct RefDim {
  int64_t in, k, s, d, pb, pe, out;
};

struct PoolParams {
  std::vector<int64_t> kernel{2, 2};
  std::vector<int64_t> strides{1, 1};
  std::vector<int64_t> dilations{1, 1};
  std::vector<int64_t> pads{0, 0, 0, 0};
  std::string auto_pad = "NOTSET";
  int ceil_mode = 0;
  int count_include_pad = 0;

  Attrs attrs(bool avg) const {
    Attrs a;
    a.set("kernel_shape", attr_ints(kernel));
    a.set("strides", attr_ints(strides));
    a.set("dilations", attr_ints(dilations));
    if (auto_pad == "NOTSET") a.set("pads", attr_ints(pads));
    a.set("auto_pad", attr_string(auto_pad));
    a.set("ceil_mode", attr_int(ceil_mode));
    if (avg) a.set("count_include_pad", attr_int(count_include_pad));
    return a;
  }
  std::string str_() const {
    std::ostringstream o;
    o << "k=" << kernel[0] << "x" << kernel[1] << " s=" << strides[0] << "," << strides[1] << " d=" << dilations[0]
      << "," << dilations[1] << " pads=" << pads[0] << "," << pads[1] << "," << pads[2] << "," << pads[3] << " "
      << auto_pad << " ceil=" << ceil_mode << " cip=" << count_include_pad;
    return o.str();
  }
};

RefDim ref_dim(const PoolParams& p, int axis, int64_t in) {
  RefDim r{in, p.kernel[axis], p.strides[axis], p.dilations[axis], 0, 0, 0};
  double ek = double((r.k - 1) * r.d + 1);
  if (p.auto_pad == "SAME_UPPER" || p.auto_pad == "SAME_LOWER") {
    r.out = int64_t(std::ceil(double(in) / double(r.s)));
    int64_t total = std::max<int64_t>(0, (r.out - 1) * r.s + int64_t(ek) - in);
    r.pb = p.auto_pad == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
    r.pe = total - r.pb;
    return r;
  }
  if (p.auto_pad == "NOTSET") {
    r.pb = p.pads[axis];
    r.pe = p.pads[axis + 2];
  }
  double v = (double(in + r.pb + r.pe) - ek) / double(r.s) + 1.0;
  if (p.ceil_mode) {
    r.out = int64_t(std::ceil(v));
    if ((r.out - 1) * r.s >= in + r.pb) r.out -= 1;
  } else {
    r.out = int64_t(std::floor(v));
  }
  return r;
}

// Y in float64 (max: exact; average: sum of real taps / count).
std::vector<double> ref_pool(const Tensor& x, const PoolParams& p, bool avg, Shape& out_shape,
                             std::vector<double>* bound = nullptr) {
  int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  RefDim h = ref_dim(p, 0, H), w = ref_dim(p, 1, W);
  out_shape = {N, C, h.out, w.out};
  std::vector<double> y;
  const float* px = x.ptr<float>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < h.out; ++oh)
        for (int64_t ow = 0; ow < w.out; ++ow) {
          double mx = -INFINITY, sum = 0, abs_sum = 0;
          bool nan = false;
          int64_t real = 0, padded = 0;
          for (int64_t i = 0; i < h.k; ++i)
            for (int64_t j = 0; j < w.k; ++j) {
              int64_t ih = oh * h.s - h.pb + i * h.d, iw = ow * w.s - w.pb + j * w.d;
              bool in_pad_h = ih >= -h.pb && ih < H + h.pe, in_pad_w = iw >= -w.pb && iw < W + w.pe;
              if (in_pad_h && in_pad_w) ++padded;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              double v = px[((n * C + c) * H + ih) * W + iw];
              ++real;
              if (std::isnan(v)) nan = true;
              mx = std::max(mx, v);
              sum += v;
              if (std::isfinite(v)) abs_sum += std::fabs(v);
            }
          if (!avg) {
            y.push_back(nan ? NAN : mx);
          } else {
            int64_t cnt = p.count_include_pad ? padded : real;
            y.push_back(cnt == 0 || nan ? NAN : sum / double(cnt));
            // A chain of `real` float additions then one division: each step
            // rounds by at most 2^-24 relative, on partial sums bounded by abs_sum
            // (plus 2^-149 absolute: a subnormal quotient rounds on the subnormal grid).
            // Finite taps near FLT_MAX can overflow the float chain where float64
            // does not: such elements are only checked for bit equality (INFINITY).
            double b = cnt == 0 ? 0.0 : double(real + 1) * std::ldexp(abs_sum / double(cnt), -24) + std::ldexp(1.0, -149);
            if (bound) bound->push_back(abs_sum > 1e38 ? INFINITY : b);
          }
        }
  return y;
}

// Compares to the reference: max must be exact (a max of floats is a float),
// average within the per-element bound of ref_pool. inf/NaN must match exactly.
void check_pool(const Tensor& got, const std::vector<double>& ref, const std::vector<double>* bound,
                const std::string& what) {
  CHECK_MSG(size_t(got.numel()) == ref.size(), what + ": size");
  if (size_t(got.numel()) != ref.size()) return;
  int bad = 0;
  for (size_t i = 0; i < ref.size() && bad < 3; ++i) {
    float g = got.ptr<float>()[i];
    if (bound && std::isinf((*bound)[i])) continue;
    bool ok;
    if (std::isnan(ref[i])) ok = bits_of(g) == kCanonNan;  // canonical NaN
    else if (std::isinf(ref[i]) || !bound) ok = double(g) == ref[i];
    else ok = std::fabs(double(g) - ref[i]) <= (*bound)[i];
    if (!ok) {
      ++bad;
      char buf[128];
      std::snprintf(buf, sizeof buf, ": element %zu got %.9g want %.17g", i, double(g), ref[i]);
      CHECK_MSG(false, what + buf);
    }
  }
}

void check_case(const Shape& shape, const PoolParams& p, uint64_t stream, bool special = false) {
  Tensor x = special ? special_f32(shape, stream) : random_f32(shape, stream);
  for (bool avg : {false, true}) {
    std::string op = avg ? "AveragePool" : "MaxPool";
    std::string what = op + " " + aivm::shape_str(shape) + " " + p.str_();
    auto y = run_everywhere(op, {&x}, p.attrs(avg));
    Shape ref_shape;
    std::vector<double> bound;
    std::vector<double> ref = ref_pool(x, p, avg, ref_shape, &bound);
    CHECK_MSG(y[0].shape == ref_shape, what + ": shape " + aivm::shape_str(y[0].shape) + " vs " +
                                           aivm::shape_str(ref_shape));
    if (y[0].shape == ref_shape) check_pool(y[0], ref, avg ? &bound : nullptr, what);
  }
}

}  // namespace

TEST(pool_default_shapes) {
  PoolParams p;
  for (Shape s : std::vector<Shape>{{1, 1, 1, 1}, {1, 1, 2, 2}, {2, 3, 7, 5}, {1, 2, 17, 33}, {3, 1, 31, 3}}) {
    p.kernel = {1, 1};
    check_case(s, p, 11);
    if (s[2] >= 2 && s[3] >= 2) {
      p.kernel = {2, 2};
      check_case(s, p, 12);
    }
    if (s[2] >= 3 && s[3] >= 3) {
      p.kernel = {3, 3};
      check_case(s, p, 13);
    }
  }
}

TEST(pool_attribute_combinations) {
  // Every combination of stride, dilation, pads, ceil_mode, count_include_pad
  // on odd shapes (kept small: the reference is naive).
  uint64_t stream = 100;
  for (Shape s : std::vector<Shape>{{1, 2, 7, 9}, {2, 1, 11, 6}}) {
    for (auto k : std::vector<std::vector<int64_t>>{{3, 3}, {2, 3}, {1, 4}}) {
      for (auto st : std::vector<std::vector<int64_t>>{{1, 1}, {2, 2}, {3, 1}}) {
        for (auto d : std::vector<std::vector<int64_t>>{{1, 1}, {2, 1}}) {
          for (auto pads : std::vector<std::vector<int64_t>>{{0, 0, 0, 0}, {1, 0, 0, 1}, {1, 1, 1, 1}}) {
            for (int ceil : {0, 1}) {
              for (int cip : {0, 1}) {
                PoolParams p;
                p.kernel = k;
                p.strides = st;
                p.dilations = d;
                p.pads = pads;
                p.ceil_mode = ceil;
                p.count_include_pad = cip;
                bool pads_ok = pads[0] < k[0] && pads[2] < k[0] && pads[1] < k[1] && pads[3] < k[1];
                if (!pads_ok) continue;
                RefDim rh = ref_dim(p, 0, s[2]), rw = ref_dim(p, 1, s[3]);
                if (rh.out < 1 || rw.out < 1) continue;
                ++stream;
                check_case(s, p, stream, stream % 3 == 0);
              }
            }
          }
        }
      }
    }
  }
}

TEST(pool_auto_pad) {
  uint64_t stream = 300;
  for (Shape s : std::vector<Shape>{{1, 2, 7, 9}, {1, 1, 1, 5}, {2, 2, 8, 8}, {1, 1, 5, 5}}) {
    for (std::string ap : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
      for (auto k : std::vector<std::vector<int64_t>>{{2, 2}, {3, 2}, {1, 1}}) {
        for (auto st : std::vector<std::vector<int64_t>>{{1, 1}, {2, 3}}) {
          for (auto d : std::vector<std::vector<int64_t>>{{1, 1}, {2, 2}}) {
            for (int cip : {0, 1}) {
              for (int ceil : {0, 1}) {
                PoolParams p;
                p.auto_pad = ap;
                p.kernel = k;
                p.strides = st;
                p.dilations = d;
                p.count_include_pad = cip;
                p.ceil_mode = ceil;
                RefDim rh = ref_dim(p, 0, s[2]), rw = ref_dim(p, 1, s[3]);
                if (rh.out < 1 || rw.out < 1) continue;
                ++stream;
                check_case(s, p, stream, stream % 2 == 0);
              }
            }
          }
        }
      }
    }
  }
}

TEST(pool_large_threads) {
  // Big enough that parallel_for really splits rows over threads.
  PoolParams p;
  p.kernel = {3, 3};
  p.pads = {1, 1, 1, 1};
  check_case({2, 3, 64, 67}, p, 400, true);
  p.strides = {2, 2};
  p.ceil_mode = 1;
  p.count_include_pad = 1;
  check_case({1, 5, 65, 101}, p, 401);
  PoolParams q;
  q.kernel = {7, 7};
  q.strides = {1, 3};
  q.dilations = {1, 2};
  check_case({1, 4, 40, 80}, q, 402, true);
}

TEST(pool_empty_batch_and_channels) {
  PoolParams p;
  for (Shape s : std::vector<Shape>{{0, 3, 5, 5}, {2, 0, 5, 5}}) {
    Tensor x = aivm::make_tensor(aivm::DType::F32, s);
    for (bool avg : {false, true}) {
      auto y = run_everywhere(avg ? "AveragePool" : "MaxPool", {&x}, p.attrs(avg));
      CHECK(y[0].shape == (Shape{s[0], s[1], 4, 4}));
      CHECK(y[0].numel() == 0);
    }
  }
}

TEST(maxpool_nan_and_signed_zero) {
  Attrs a;
  a.set("kernel_shape", attr_ints({2, 2}));
  a.set("strides", attr_ints({2, 2}));
  // Windows: {NaN,1,2,3} {-0,+0,-0,-0} {-0,-0,-0,-0} {-inf,-inf,-inf,-inf}
  //          {inf,NaN,-inf,0} {-NaN(payload),1,1,1} {-1e-40,-2e-40,-3,-1} {5,6,7,8}
  float neg_nan = from_bits(0xFFC01234u);
  Tensor x = tensor_f32({1, 1, 4, 8}, {NAN, 1, -0.0f, 0.0f, -0.0f, -0.0f, -INFINITY, -INFINITY,  //
                                       2, 3, -0.0f, -0.0f, -0.0f, -0.0f, -INFINITY, -INFINITY,  //
                                       INFINITY, NAN, neg_nan, 1, -1e-40f, -2e-40f, 5, 6,       //
                                       -INFINITY, 0, 1, 1, -3, -1, 7, 8});
  auto y = run_everywhere("MaxPool", {&x}, a);
  const float* p = y[0].ptr<float>();
  CHECK(bits_of(p[0]) == kCanonNan);
  CHECK(bits_of(p[1]) == 0x00000000u);  // +0 beats -0
  CHECK(bits_of(p[2]) == 0x80000000u);  // all -0 stays -0
  CHECK(p[3] == -INFINITY);
  CHECK(bits_of(p[4]) == kCanonNan);
  CHECK(bits_of(p[5]) == kCanonNan);  // any NaN -> canonical NaN
  CHECK(p[6] == -1e-40f);            // subnormals compare exactly
  CHECK(p[7] == 8.0f);
}

TEST(maxpool_all_padding_window_is_neg_inf) {
  // k=2, d=3, pads 1: the window of output 0 taps positions -1 and 2 of a 2-wide input.
  Attrs a;
  a.set("kernel_shape", attr_ints({1, 2}));
  a.set("dilations", attr_ints({1, 3}));
  a.set("pads", attr_ints({0, 1, 0, 1}));
  Tensor x = tensor_f32({1, 1, 1, 2}, {3.0f, 4.0f});
  auto y = run_everywhere("MaxPool", {&x}, a);
  CHECK(y[0].shape == (Shape{1, 1, 1, 1}));
  CHECK(y[0].ptr<float>()[0] == -INFINITY);
  auto z = run_everywhere("AveragePool", {&x}, a);
  CHECK(bits_of(z[0].ptr<float>()[0]) == kCanonNan);  // 0 taps counted: canonical NaN
  a.set("count_include_pad", attr_int(1));
  z = run_everywhere("AveragePool", {&x}, a);
  CHECK(bits_of(z[0].ptr<float>()[0]) == 0x80000000u);  // -0 (empty chain) / 2
}

TEST(averagepool_chain_order_and_zeros) {
  // One 2x2 window summed as ((((-0 + a) + b) + c) + d): 1e8 + 1 rounds to 1e8,
  // then -1e8 cancels, then + 1: exactly 1, / 4 = 0.25. Any other order differs.
  Attrs a;
  a.set("kernel_shape", attr_ints({2, 2}));
  Tensor x = tensor_f32({1, 1, 2, 2}, {1e8f, 1.0f, -1e8f, 1.0f});
  auto y = run_everywhere("AveragePool", {&x}, a);
  CHECK(y[0].ptr<float>()[0] == 0.25f);
  Tensor x2 = tensor_f32({1, 1, 2, 2}, {1.0f, 1e8f, -1e8f, 1.0f});  // (1+1e8)=1e8, -1e8 -> 0, +1 -> 1
  y = run_everywhere("AveragePool", {&x2}, a);
  CHECK(y[0].ptr<float>()[0] == 0.25f);
  Tensor x3 = tensor_f32({1, 1, 2, 2}, {1e8f, -1e8f, 1.0f, 1.0f});  // 0, 1, 2 -> 0.5
  y = run_everywhere("AveragePool", {&x3}, a);
  CHECK(y[0].ptr<float>()[0] == 0.5f);
  // Signed zeros: all -0 -> -0; padding is skipped, so it cannot turn -0 into +0.
  Tensor z = tensor_f32({1, 1, 2, 2}, {-0.0f, -0.0f, -0.0f, -0.0f});
  y = run_everywhere("AveragePool", {&z}, a);
  CHECK(bits_of(y[0].ptr<float>()[0]) == 0x80000000u);
  a.set("pads", attr_ints({1, 1, 1, 1}));
  a.set("count_include_pad", attr_int(1));
  y = run_everywhere("AveragePool", {&z}, a);
  for (int64_t i = 0; i < y[0].numel(); ++i) CHECK(bits_of(y[0].ptr<float>()[i]) == 0x80000000u);
  // inf + -inf -> NaN, returned canonical; overflow of the chain -> inf.
  Attrs b;
  b.set("kernel_shape", attr_ints({1, 2}));
  Tensor w = tensor_f32({1, 1, 1, 4}, {INFINITY, -INFINITY, FLT_MAX, FLT_MAX});
  y = run_everywhere("AveragePool", {&w}, b);
  CHECK(bits_of(y[0].ptr<float>()[0]) == kCanonNan);
  CHECK(y[0].ptr<float>()[1] == -INFINITY);
  CHECK(y[0].ptr<float>()[2] == INFINITY);  // FLT_MAX + FLT_MAX overflows before the division
}

TEST(averagepool_counts) {
  // 3x3 ones, k=3, pads 1, s=2, ceil: windows overhang; count_include_pad
  // counts explicit padding but never the ceil_mode overhang.
  Attrs a;
  a.set("kernel_shape", attr_ints({3, 3}));
  a.set("pads", attr_ints({1, 1, 1, 1}));
  a.set("strides", attr_ints({2, 2}));
  Tensor x = tensor_f32({1, 1, 4, 4}, std::vector<float>(16, 1.0f));
  a.set("ceil_mode", attr_int(1));
  a.set("count_include_pad", attr_int(1));
  auto y = run_everywhere("AveragePool", {&x}, a);
  // in=4, pads 1+1, k=3, s=2: (4+2-3)/2+1 = 2.5 -> ceil 3; last start 4 < 4+1 keeps 3.
  CHECK(y[0].shape == (Shape{1, 1, 3, 3}));
  // Output row 2 taps rows 3, 4(pad), 5(overhang): 1 real + 1 pad counted.
  // Output (0,0): rows -1..1 x cols -1..1: 4 real of 9 counted -> 4/9.
  const float* p = y[0].ptr<float>();
  CHECK(p[0] == 4.0f / 9.0f);
  CHECK(p[1] == 6.0f / 9.0f);
  CHECK(p[2] == 2.0f / 6.0f);  // cols 3,4(pad),5(overhang): 3 rows x 2 counted
  CHECK(p[8] == 1.0f / 4.0f);
  a.set("count_include_pad", attr_int(0));
  y = run_everywhere("AveragePool", {&x}, a);
  for (int64_t i = 0; i < 9; ++i) CHECK(y[0].ptr<float>()[i] == 1.0f);
}

TEST(global_averagepool) {
  uint64_t stream = 500;
  for (Shape s : std::vector<Shape>{{1, 1, 1, 1}, {2, 3, 7, 5}, {1, 4, 33, 31}, {1, 2, 1000},
                                    {2, 2, 3, 4, 5}, {1, 1, 1023, 17}, {0, 3, 2, 2}, {3, 0, 4}}) {
    for (bool special : {false, true}) {
      Tensor x = special ? special_f32(s, ++stream) : random_f32(s, ++stream);
      auto y = run_everywhere("GlobalAveragePool", {&x}, {});
      Shape want = s;
      for (size_t i = 2; i < want.size(); ++i) want[i] = 1;
      CHECK(y[0].shape == want);
      int64_t planes = s[0] * s[1], plane = x.numel() / std::max<int64_t>(planes, 1);
      for (int64_t p = 0; p < planes; ++p) {
        double sum = 0, abs_sum = 0;
        bool nan = false, pinf = false, ninf = false;
        for (int64_t i = 0; i < plane; ++i) {
          double v = x.ptr<float>()[p * plane + i];
          nan |= std::isnan(v);
          pinf |= v == INFINITY;
          ninf |= v == -INFINITY;
          if (std::isfinite(v)) {
            sum += v;
            abs_sum += std::fabs(v);
          }
        }
        float g = y[0].ptr<float>()[p];
        if (abs_sum > 1e38) continue;  // the float sum may overflow where float64 does not
        if (nan || (pinf && ninf)) {
          CHECK(bits_of(g) == kCanonNan);
        } else if (pinf || ninf) {
          CHECK(g == (pinf ? INFINITY : -INFINITY));
        } else {
          // 16 sequential lanes of plane/16 terms + a 4-level tree + one division,
          // each rounding by at most 2^-24 of a partial sum bounded by abs_sum.
          double bound = double(plane / 16 + 6) * std::ldexp(abs_sum, -24) / double(plane);
          double ref = sum / double(plane);
          bool ok = std::fabs(double(g) - ref) <= bound;
          CHECK_MSG(ok, "GlobalAveragePool " + aivm::shape_str(s) + " plane " + std::to_string(p) + ": got " +
                            std::to_string(g) + " want " + std::to_string(ref));
        }
      }
    }
  }
}

TEST(pool_errors) {
  Tensor x = random_f32({1, 1, 5, 5}, 1);
  Attrs ok;
  ok.set("kernel_shape", attr_ints({2, 2}));
  for (const char* op : {"MaxPool", "AveragePool"}) {
    Tensor xi = tensor_i64({1, 1, 2, 2}, {1, 2, 3, 4});
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&xi}, ok));
    // 1-D to 6-D pool; rank 2 (no spatial dim) does not.
    Tensor x2 = random_f32({1, 5}, 2);
    Attrs k1;
    k1.set("kernel_shape", attr_ints({2}));
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&x2}, k1));
    Tensor x3 = random_f32({1, 1, 5}, 2);
    CHECK(run(op, {&x3}, k1)[0].shape == (Shape{1, 1, 4}));
    Tensor x5 = random_f32({1, 1, 3, 3, 3}, 3);
    Attrs k3;
    k3.set("kernel_shape", attr_ints({2, 2, 2}));
    CHECK(run(op, {&x5}, k3)[0].shape == (Shape{1, 1, 2, 2, 2}));
    Tensor x5e = aivm::make_tensor(aivm::DType::F32, {1, 1, 3, 0, 3});
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&x5e}, k3));
    // A 3-D input needs 3 kernel/strides/dilations entries and 6 pads.
    auto bad3 = [&](const char* name, aivm::AttrValue v) {
      Attrs a = k3;
      a.set(name, v);
      CHECK_THROWS_CODE(E_ATTR, run(op, {&x5}, a));
    };
    bad3("kernel_shape", attr_ints({2, 2}));
    bad3("strides", attr_ints({1, 1}));
    bad3("dilations", attr_ints({1, 1, 1, 1}));
    bad3("pads", attr_ints({0, 0, 0, 0}));
    bad3("pads", attr_ints({0, 0, 2, 0, 0, 0}));  // not below the kernel
    // Over 2^62 taps per window (valid otherwise: pads below the kernel, output 1).
    Tensor x1 = random_f32({1, 1, 1, 1, 1}, 4);
    Attrs huge;
    int64_t k30 = int64_t(1) << 30;
    huge.set("kernel_shape", attr_ints({k30, k30, k30}));
    huge.set("pads", attr_ints({k30 - 1, k30 - 1, k30 - 1, k30 - 1, k30 - 1, k30 - 1}));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x1}, huge));
    Tensor x0 = aivm::make_tensor(aivm::DType::F32, {1, 1, 0, 4});
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&x0}, ok));
    CHECK_THROWS_CODE(E_ARITY, run(op, {}, ok));
    CHECK_THROWS_CODE(E_ARITY, run(op, {&x, &x}, ok));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, Attrs{}));  // kernel_shape missing
    auto bad = [&](const char* name, aivm::AttrValue v) {
      Attrs a = ok;
      a.set(name, v);
      CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, a));
    };
    bad("kernel_shape", attr_ints({2}));
    bad("kernel_shape", attr_ints({2, 0}));
    bad("kernel_shape", attr_ints({2, -1}));
    bad("kernel_shape", attr_int(2));  // wrong attribute kind
    bad("strides", attr_ints({1, 0}));
    bad("strides", attr_ints({1}));
    bad("dilations", attr_ints({0, 1}));
    bad("dilations", attr_ints({1, 1, 1}));
    bad("pads", attr_ints({0, 0}));
    bad("pads", attr_ints({0, -1, 0, 0}));
    bad("pads", attr_ints({2, 0, 0, 0}));  // pads must be smaller than the kernel
    bad("pads", attr_ints({0, 0, 0, 2}));
    bad("kernel_shape", attr_ints({int64_t(1) << 40, 2}));
    bad("auto_pad", attr_string("SAME"));
    bad("ceil_mode", attr_int(2));
    bad("not_an_attribute", attr_int(0));
    Attrs ap = ok;
    ap.set("auto_pad", attr_string("VALID"));
    ap.set("pads", attr_ints({1, 0, 0, 0}));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, ap));
    ap.set("pads", attr_ints({0, 0, 0, 0}));  // all-zero pads are fine with auto_pad
    CHECK(run(op, {&x}, ap)[0].shape == (Shape{1, 1, 4, 4}));
    // Output would be empty.
    Attrs big;
    big.set("kernel_shape", attr_ints({6, 2}));
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&x}, big));
    big.set("kernel_shape", attr_ints({3, 2}));
    big.set("dilations", attr_ints({3, 1}));  // extent 7 > 5
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&x}, big));
    big.set("auto_pad", attr_string("VALID"));
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&x}, big));
  }
  Attrs so = ok;
  so.set("storage_order", attr_int(2));
  CHECK_THROWS_CODE(E_ATTR, run("MaxPool", {&x}, so));
  so.set("storage_order", attr_int(1));  // orders Indices only; Y alone is unchanged
  CHECK(run("MaxPool", {&x}, so)[0].shape == (Shape{1, 1, 4, 4}));
  so.set("storage_order", attr_int(0));
  CHECK(run("MaxPool", {&x}, so)[0].shape == (Shape{1, 1, 4, 4}));
  CHECK(run("MaxPool", {&x}, so).size() == 1);
  Attrs oi = ok;
  oi.set("output_indices", attr_int(2));
  CHECK_THROWS_CODE(E_ATTR, run("MaxPool", {&x}, oi));
  oi.set("output_indices", attr_int(1));
  auto two = run("MaxPool", {&x}, oi);
  CHECK(two.size() == 2 && two[1].dtype == aivm::DType::I64 && two[1].shape == (Shape{1, 1, 4, 4}));
  oi.set("output_indices", attr_int(0));
  CHECK(run("MaxPool", {&x}, oi).size() == 1);
  CHECK_THROWS_CODE(E_ATTR, run("AveragePool", {&x}, oi));  // not an AveragePool attribute
  Attrs cip = ok;
  cip.set("count_include_pad", attr_int(1));
  CHECK_THROWS_CODE(E_ATTR, run("MaxPool", {&x}, cip));  // not a MaxPool attribute
  cip.set("count_include_pad", attr_int(3));
  CHECK_THROWS_CODE(E_ATTR, run("AveragePool", {&x}, cip));
  Attrs sto = ok;
  sto.set("storage_order", attr_int(0));
  CHECK_THROWS_CODE(E_ATTR, run("AveragePool", {&x}, sto));

  Tensor xi = tensor_i64({1, 1, 2, 2}, {1, 2, 3, 4});
  CHECK_THROWS_CODE(E_DTYPE, run("GlobalAveragePool", {&xi}));
  Tensor x2 = random_f32({2, 3}, 4);
  CHECK_THROWS_CODE(E_SHAPE, run("GlobalAveragePool", {&x2}));
  Tensor xe = aivm::make_tensor(aivm::DType::F32, {1, 2, 3, 0});
  CHECK_THROWS_CODE(E_SHAPE, run("GlobalAveragePool", {&xe}));
  CHECK_THROWS_CODE(E_ATTR, run("GlobalAveragePool", {&x}, ok));
  CHECK_THROWS_CODE(E_ARITY, run("GlobalAveragePool", {}));
}

// ---- N-D pooling (1-D, 3-D, 4-D) and MaxPool's Indices ----------------------

namespace {

// Window geometry of any rank k: kernel/strides/dilations k entries, pads 2k.
struct NdParams {
  std::vector<int64_t> kernel, strides, dilations, pads;
  std::string auto_pad = "NOTSET";
  int ceil_mode = 0, count_include_pad = 0, storage_order = 0;

  Attrs attrs(bool avg, bool indices = false) const {
    Attrs a;
    a.set("kernel_shape", attr_ints(kernel));
    if (!strides.empty()) a.set("strides", attr_ints(strides));
    if (!dilations.empty()) a.set("dilations", attr_ints(dilations));
    if (auto_pad == "NOTSET" && !pads.empty()) a.set("pads", attr_ints(pads));
    a.set("auto_pad", attr_string(auto_pad));
    a.set("ceil_mode", attr_int(ceil_mode));
    if (avg) a.set("count_include_pad", attr_int(count_include_pad));
    if (!avg) a.set("storage_order", attr_int(storage_order));
    if (indices) a.set("output_indices", attr_int(1));
    return a;
  }
  std::string str_() const {
    auto v = [](const std::vector<int64_t>& x) {
      std::string s;
      for (size_t i = 0; i < x.size(); ++i) s += (i ? "," : "") + std::to_string(x[i]);
      return s;
    };
    return "k=" + v(kernel) + " s=" + v(strides) + " d=" + v(dilations) + " pads=" + v(pads) + " " + auto_pad +
           " ceil=" + std::to_string(ceil_mode) + " cip=" + std::to_string(count_include_pad) +
           " so=" + std::to_string(storage_order);
  }
};

RefDim ref_dim_nd(const NdParams& p, size_t axis, int64_t in) {
  const size_t k = p.kernel.size();
  RefDim r{in, p.kernel[axis], p.strides.empty() ? 1 : p.strides[axis], p.dilations.empty() ? 1 : p.dilations[axis],
           0, 0, 0};
  double ek = double((r.k - 1) * r.d + 1);
  if (p.auto_pad == "SAME_UPPER" || p.auto_pad == "SAME_LOWER") {
    r.out = int64_t(std::ceil(double(in) / double(r.s)));
    int64_t total = std::max<int64_t>(0, (r.out - 1) * r.s + int64_t(ek) - in);
    r.pb = p.auto_pad == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
    r.pe = total - r.pb;
    return r;
  }
  if (p.auto_pad == "NOTSET" && !p.pads.empty()) {
    r.pb = p.pads[axis];
    r.pe = p.pads[axis + k];
  }
  double v = (double(in + r.pb + r.pe) - ek) / double(r.s) + 1.0;
  if (p.ceil_mode) {
    r.out = int64_t(std::ceil(v));
    if ((r.out - 1) * r.s >= in + r.pb) r.out -= 1;
  } else {
    r.out = int64_t(std::floor(v));
  }
  return r;
}

// a beats b in MaxPool's order: NaN above everything, +0 above -0 (docs/numerics/pool.md).
bool ref_beats(double a, double b) {
  if (std::isnan(b)) return false;
  if (std::isnan(a)) return true;
  if (a == b) return !std::signbit(a) && std::signbit(b);
  return a > b;
}

struct NdRef {
  Shape shape;
  std::vector<double> y, bound;
  std::vector<int64_t> indices;  // MaxPool: the first tap (window order) holding the max; -1 without real taps
};

// Straight from the definition: each window's taps in row-major kernel order.
NdRef ref_pool_nd(const Tensor& x, const NdParams& p, bool avg) {
  const size_t k = p.kernel.size();
  NdRef r;
  std::vector<RefDim> dims;
  r.shape = {x.shape[0], x.shape[1]};
  int64_t plane_in = 1, plane_out = 1, taps = 1;
  for (size_t i = 0; i < k; ++i) {
    dims.push_back(ref_dim_nd(p, i, x.shape[2 + i]));
    r.shape.push_back(dims.back().out);
    plane_in *= x.shape[2 + i];
    plane_out *= dims.back().out;
    taps *= dims.back().k;
  }
  const float* px = x.ptr<float>();
  for (int64_t plane = 0; plane < x.shape[0] * x.shape[1]; ++plane) {
    for (int64_t oi = 0; oi < plane_out; ++oi) {
      std::vector<int64_t> o(k);
      for (int64_t rem = oi, i = int64_t(k) - 1; i >= 0; --i) {
        o[size_t(i)] = rem % dims[size_t(i)].out;
        rem /= dims[size_t(i)].out;
      }
      double best = -INFINITY, sum = 0, abs_sum = 0;
      bool nan = false;
      int64_t real = 0, padded = 1, best_at = -1;
      for (size_t i = 0; i < k; ++i) {  // count_include_pad: per axis, real or padding taps
        int64_t n = 0;
        for (int64_t t = 0; t < dims[i].k; ++t) {
          int64_t pos = o[i] * dims[i].s - dims[i].pb + t * dims[i].d;
          n += pos >= -dims[i].pb && pos < dims[i].in + dims[i].pe;
        }
        padded *= n;
      }
      for (int64_t t = 0; t < taps; ++t) {
        std::vector<int64_t> pos(k);
        bool is_real = true;
        for (int64_t rem = t, i = int64_t(k) - 1; i >= 0; --i) {
          const RefDim& d = dims[size_t(i)];
          pos[size_t(i)] = o[size_t(i)] * d.s - d.pb + (rem % d.k) * d.d;
          rem /= d.k;
          is_real = is_real && pos[size_t(i)] >= 0 && pos[size_t(i)] < d.in;
        }
        if (!is_real) continue;
        int64_t row = 0, col = 0, cs = 1;
        for (size_t i = 0; i < k; ++i) row = row * dims[i].in + pos[i];
        for (size_t i = 0; i < k; ++i) {
          col += pos[i] * cs;
          cs *= dims[i].in;
        }
        double v = px[plane * plane_in + row];
        ++real;
        nan = nan || std::isnan(v);
        if (best_at < 0 || ref_beats(v, best)) {
          best = v;
          best_at = plane * plane_in + (p.storage_order ? col : row);
        }
        sum += v;
        if (std::isfinite(v)) abs_sum += std::fabs(v);
      }
      if (!avg) {
        r.y.push_back(nan ? NAN : best);
        r.indices.push_back(best_at);
      } else {
        int64_t cnt = p.count_include_pad ? padded : real;
        r.y.push_back(cnt == 0 || nan ? NAN : sum / double(cnt));
        double b = cnt == 0 ? 0.0 : double(real + 1) * std::ldexp(abs_sum / double(cnt), -24) + std::ldexp(1.0, -149);
        r.bound.push_back(abs_sum > 1e38 ? INFINITY : b);
      }
    }
  }
  return r;
}

// MaxPool (with and without Indices) and AveragePool of x against the
// reference, on every ISA x 1-4 threads (and emulated cuda).
void check_nd(const Tensor& x, const NdParams& p) {
  std::string what = aivm::shape_str(x.shape) + " " + p.str_();
  for (bool avg : {false, true}) {
    std::string op = avg ? "AveragePool" : "MaxPool";
    NdRef ref = ref_pool_nd(x, p, avg);
    auto y = run_everywhere(op, {&x}, p.attrs(avg));
    CHECK_MSG(y[0].shape == ref.shape, op + " " + what + ": shape " + aivm::shape_str(y[0].shape));
    if (y[0].shape != ref.shape) continue;
    check_pool(y[0], ref.y, avg ? &ref.bound : nullptr, op + " " + what);
    if (avg) continue;
    auto yi = run_everywhere(op, {&x}, p.attrs(false, true));
    CHECK_MSG(yi.size() == 2 && same_bits(yi[0], y[0]), "MaxPool " + what + ": Y with Indices differs");
    if (yi.size() != 2) continue;
    int bad = 0;
    for (size_t i = 0; i < ref.indices.size() && bad < 3; ++i) {
      int64_t g = yi[1].ptr<int64_t>()[i];
      if (g != ref.indices[i]) {
        ++bad;
        CHECK_MSG(false, "MaxPool " + what + ": index " + std::to_string(i) + " got " + std::to_string(g) + " want " +
                             std::to_string(ref.indices[i]));
      }
    }
  }
}

}  // namespace

TEST(pool_3d_matches_float64_reference) {
  uint64_t stream = 700;
  for (Shape s : std::vector<Shape>{{1, 2, 5, 6, 7}, {2, 1, 4, 4, 4}, {1, 1, 1, 3, 9}}) {
    for (auto k : std::vector<std::vector<int64_t>>{{2, 2, 2}, {3, 1, 2}, {1, 3, 3}}) {
      for (auto st : std::vector<std::vector<int64_t>>{{1, 1, 1}, {2, 1, 3}}) {
        for (auto d : std::vector<std::vector<int64_t>>{{1, 1, 1}, {2, 1, 2}}) {
          for (auto pads : std::vector<std::vector<int64_t>>{{0, 0, 0, 0, 0, 0}, {1, 0, 1, 0, 1, 1}}) {
            for (int ceil : {0, 1}) {
              for (int cip : {0, 1}) {
                NdParams p{k, st, d, pads};
                p.ceil_mode = ceil;
                p.count_include_pad = cip;
                p.storage_order = int(stream % 2);
                bool ok = true;
                for (size_t i = 0; i < 3; ++i) {
                  ok = ok && pads[i] < k[i] && pads[i + 3] < k[i] && ref_dim_nd(p, i, s[2 + i]).out >= 1;
                }
                if (!ok) continue;
                ++stream;
                check_nd(stream % 3 == 0 ? special_f32(s, stream) : random_f32(s, stream), p);
              }
            }
          }
        }
      }
    }
  }
  // auto_pad on 3-D.
  for (std::string ap : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    NdParams p{{2, 3, 2}, {2, 1, 2}, {1, 2, 1}, {}};
    p.auto_pad = ap;
    check_nd(special_f32({1, 2, 5, 7, 6}, ++stream), p);
  }
  // The ONNX "dilations_large" geometry (kernel 2, stride 2, dilation 2 on 32^3) and a
  // plane big enough for several threads.
  for (int ceil : {0, 1}) {
    for (int cip : {0, 1}) {
      NdParams p{{2, 2, 2}, {2, 2, 2}, {2, 2, 2}, {}};
      p.ceil_mode = ceil;
      p.count_include_pad = cip;
      check_nd(random_f32({1, 1, 13, 12, 11}, ++stream), p);
    }
  }
  NdParams big{{3, 3, 3}, {1, 2, 1}, {1, 1, 1}, {1, 1, 1, 1, 1, 1}};
  check_nd(special_f32({2, 3, 9, 17, 20}, ++stream), big);
}

TEST(pool_1d_and_4d_match_float64_reference) {
  uint64_t stream = 800;
  for (int64_t len : {1, 2, 7, 40}) {
    for (auto k : std::vector<int64_t>{1, 2, 3}) {
      for (int64_t s : {1, 2}) {
        for (int64_t d : {1, 3}) {
          for (int64_t pad : {0, 1}) {
            for (int ceil : {0, 1}) {
              NdParams p{{k}, {s}, {d}, {pad, k > 1 ? k - 1 : 0}};
              p.ceil_mode = ceil;
              p.count_include_pad = int(stream % 2);
              if (pad >= k || ref_dim_nd(p, 0, len).out < 1) continue;
              ++stream;
              check_nd(special_f32({2, 3, len}, stream), p);
            }
          }
        }
      }
    }
  }
  NdParams p4{{2, 1, 2, 2}, {1, 1, 2, 1}, {1, 1, 1, 2}, {1, 0, 0, 1, 0, 0, 1, 0}};
  p4.ceil_mode = 1;
  p4.count_include_pad = 1;
  p4.storage_order = 1;
  check_nd(special_f32({1, 2, 3, 4, 5, 6}, ++stream), p4);
}

TEST(pool_lower_rank_is_the_higher_rank_with_unit_dims) {
  // 1-D on [N, C, L] = 2-D on [N, C, 1, L] with kernel height 1 (how the loader
  // lowered 1-D pooling before), and 2-D = 3-D with a depth of 1: the same
  // chain, so the same bits (and the same Indices, the plane being the same).
  Tensor x1 = special_f32({2, 3, 29}, 901);
  Tensor x2 = x1;
  x2.shape = {2, 3, 1, 29};
  Tensor x3 = x1;
  x3.shape = {2, 3, 1, 1, 29};
  for (bool avg : {false, true}) {
    for (int cip : {0, 1}) {
      NdParams p1{{3}, {2}, {2}, {1, 2}};
      NdParams p2{{1, 3}, {1, 2}, {1, 2}, {0, 1, 0, 2}};
      NdParams p3{{1, 1, 3}, {1, 1, 2}, {1, 1, 2}, {0, 0, 1, 0, 0, 2}};
      for (NdParams* p : {&p1, &p2, &p3}) {
        p->ceil_mode = 1;
        p->count_include_pad = cip;
      }
      const char* op = avg ? "AveragePool" : "MaxPool";
      auto y1 = run_everywhere(op, {&x1}, p1.attrs(avg, !avg));
      auto y2 = run_everywhere(op, {&x2}, p2.attrs(avg, !avg));
      auto y3 = run_everywhere(op, {&x3}, p3.attrs(avg, !avg));
      CHECK(y1[0].numel() == y2[0].numel() && y2[0].numel() == y3[0].numel());
      CHECK(std::memcmp(y1[0].data, y2[0].data, size_t(y1[0].numel()) * 4) == 0);
      CHECK(std::memcmp(y2[0].data, y3[0].data, size_t(y2[0].numel()) * 4) == 0);
      if (!avg) {
        CHECK(std::memcmp(y1[1].data, y2[1].data, size_t(y1[1].numel()) * 8) == 0);
        CHECK(std::memcmp(y2[1].data, y3[1].data, size_t(y2[1].numel()) * 8) == 0);
      }
    }
  }
}

TEST(maxpool_indices_special_values) {
  // 2x2 windows, stride 2, on a 4x8 plane (batch 2: the second plane's indices
  // are offset by 32). Ties go to the first tap in window order (row-major over
  // the window, whatever storage_order); NaN beats everything, +0 beats -0.
  float neg_nan = from_bits(0xFFC01234u);
  std::vector<float> v = {3, NAN, -0.0f, 0.0f, -0.0f, -0.0f, -INFINITY, -INFINITY,  //
                          2, 3, -0.0f, -0.0f, -0.0f, -0.0f, -INFINITY, -INFINITY,    //
                          INFINITY, 1, neg_nan, 1, -1e-40f, -2e-40f, 5, 8,          //
                          -INFINITY, INFINITY, NAN, 1, -3, -1, 8, 8};
  std::vector<float> v2 = v;
  v2.insert(v2.end(), v.begin(), v.end());
  Tensor x = tensor_f32({2, 1, 4, 8}, v2);
  for (int so : {0, 1}) {
    Attrs a;
    a.set("kernel_shape", attr_ints({2, 2}));
    a.set("strides", attr_ints({2, 2}));
    a.set("storage_order", attr_int(so));
    a.set("output_indices", attr_int(1));
    auto y = run_everywhere("MaxPool", {&x}, a);
    // Row-major tap (h, w) -> h*8 + w; column-major -> h + w*4.
    auto at = [&](int64_t h, int64_t w) { return so ? h + w * 4 : h * 8 + w; };
    const int64_t* idx = y[1].ptr<int64_t>();
    CHECK(idx[0] == at(0, 1));  // NaN beats 3
    CHECK(idx[1] == at(0, 3));  // +0 beats the -0 before it
    CHECK(idx[2] == at(0, 4));  // all -0: the first
    CHECK(idx[3] == at(0, 6));  // all -inf: the first (a real tap, not -1)
    CHECK(idx[4] == at(2, 0));  // {inf, 1, -inf, inf}: the first inf in window order
    CHECK(idx[5] == at(2, 2));  // -NaN first in window order
    CHECK(idx[6] == at(2, 4));  // -1e-40 is the largest
    CHECK(idx[7] == at(2, 7));  // 8 at (2,7) comes before the 8s of row 3
    for (int i = 0; i < 8; ++i) CHECK(idx[8 + i] == idx[i] + 32);
  }
  // A window without real taps: -inf and index -1.
  Attrs a;
  a.set("kernel_shape", attr_ints({1, 2}));
  a.set("dilations", attr_ints({1, 3}));
  a.set("pads", attr_ints({0, 1, 0, 1}));
  a.set("output_indices", attr_int(1));
  Tensor x2 = tensor_f32({1, 1, 1, 2}, {3.0f, 4.0f});
  auto y = run_everywhere("MaxPool", {&x2}, a);
  CHECK(y[0].ptr<float>()[0] == -INFINITY);
  CHECK(y[1].ptr<int64_t>()[0] == -1);
}

// ---- ONNX conformance data (skipped when the folder is absent) -------------

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

uint64_t varint(const std::string& b, size_t& i) {
  uint64_t r = 0;
  for (int s = 0; i < b.size(); s += 7) {
    uint8_t c = uint8_t(b[i++]);
    r |= uint64_t(c & 0x7F) << s;
    if (c < 0x80) break;
  }
  return r;
}

// A float TensorProto: field 1 dims (varint, plain or packed), 2 data_type
// (must be 1 = FLOAT), 9 raw_data (little-endian floats) or 4 float_data.
bool parse_tensor(const std::string& b, Tensor& t) {
  Shape dims;
  std::string raw;
  std::vector<float> fdata;
  uint64_t dtype = 0;
  for (size_t i = 0; i < b.size();) {
    uint64_t key = varint(b, i);
    uint64_t field = key >> 3, wire = key & 7;
    if (wire == 0) {
      uint64_t v = varint(b, i);
      if (field == 1) dims.push_back(int64_t(v));
      if (field == 2) dtype = v;
    } else if (wire == 2) {
      size_t len = size_t(varint(b, i));
      std::string v = b.substr(i, len);
      i += len;
      if (field == 1) {
        for (size_t j = 0; j < v.size();) dims.push_back(int64_t(varint(v, j)));
      } else if (field == 9) {
        raw = v;
      } else if (field == 4) {
        fdata.resize(v.size() / 4);
        std::memcpy(fdata.data(), v.data(), fdata.size() * 4);
      }
    } else if (wire == 5) {
      if (field == 4) {
        float f;
        std::memcpy(&f, b.data() + i, 4);
        fdata.push_back(f);
      }
      i += 4;
    } else if (wire == 1) {
      i += 8;
    } else {
      return false;
    }
  }
  if (dtype != 1) return false;
  t = aivm::make_tensor(aivm::DType::F32, dims);
  size_t n = size_t(t.numel());
  if (!raw.empty()) {
    if (raw.size() != n * 4) return false;
    std::memcpy(t.data, raw.data(), raw.size());
  } else {
    if (fdata.size() != n) return false;
    std::memcpy(t.data, fdata.data(), n * 4);
  }
  return true;
}

struct Conformance {
  const char* dir;
  const char* op;
  PoolParams p;
  double tol;  // the stored outputs are float32 from numpy (or rounded to 4 digits)
};

}  // namespace

TEST(pool_onnx_conformance) {
  const char* env = std::getenv("AIVM_ONNX_NODE_TESTS");
  std::string root = env ? env : "/work/shared/onnx-node-tests";
  auto P = [](std::vector<int64_t> k, std::vector<int64_t> s, std::vector<int64_t> pads, int ceil, int cip,
              std::vector<int64_t> d = {1, 1}, std::string ap = "NOTSET") {
    PoolParams p;
    p.kernel = k;
    p.strides = s;
    p.pads = pads;
    p.ceil_mode = ceil;
    p.count_include_pad = cip;
    p.dilations = d;
    p.auto_pad = ap;
    return p;
  };
  std::vector<int64_t> z{0, 0, 0, 0}, one{1, 1};
  std::vector<Conformance> cases = {
      {"test_averagepool_2d_ceil", "AveragePool", P({3, 3}, {2, 2}, z, 1, 0), 1e-6},
      {"test_averagepool_2d_ceil_last_window_starts_on_pad", "AveragePool", P({3, 3}, {3, 3}, {1, 1, 1, 1}, 1, 1), 1e-4},
      {"test_averagepool_2d_default", "AveragePool", P({2, 2}, one, z, 0, 0), 1e-6},
      {"test_averagepool_2d_dilations", "AveragePool", P({2, 2}, one, z, 1, 0, {2, 2}), 1e-6},
      {"test_averagepool_2d_pads", "AveragePool", P({3, 3}, one, {2, 2, 2, 2}, 0, 0), 1e-6},
      {"test_averagepool_2d_pads_count_include_pad", "AveragePool", P({3, 3}, one, {2, 2, 2, 2}, 0, 1), 1e-6},
      {"test_averagepool_2d_precomputed_pads", "AveragePool", P({5, 5}, one, {2, 2, 2, 2}, 0, 0), 1e-5},
      {"test_averagepool_2d_precomputed_pads_count_include_pad", "AveragePool", P({5, 5}, one, {2, 2, 2, 2}, 0, 1), 1e-5},
      {"test_averagepool_2d_precomputed_same_upper", "AveragePool", P({3, 3}, {2, 2}, z, 0, 0, one, "SAME_UPPER"), 1e-5},
      {"test_averagepool_2d_precomputed_strides", "AveragePool", P({2, 2}, {2, 2}, z, 0, 0), 1e-5},
      {"test_averagepool_2d_same_lower", "AveragePool", P({2, 2}, one, z, 0, 0, one, "SAME_LOWER"), 1e-6},
      {"test_averagepool_2d_same_upper", "AveragePool", P({2, 2}, one, z, 0, 0, one, "SAME_UPPER"), 1e-6},
      {"test_averagepool_2d_strides", "AveragePool", P({5, 5}, {3, 3}, z, 0, 0), 1e-6},
      {"test_maxpool_2d_ceil", "MaxPool", P({3, 3}, {2, 2}, z, 1, 0), 0},
      {"test_maxpool_2d_ceil_output_size_reduce_by_one", "MaxPool", P({1, 1}, {2, 2}, z, 1, 0), 0},
      {"test_maxpool_2d_default", "MaxPool", P({2, 2}, one, z, 0, 0), 0},
      {"test_maxpool_2d_dilations", "MaxPool", P({2, 2}, one, z, 0, 0, {2, 2}), 0},
      {"test_maxpool_2d_pads", "MaxPool", P({3, 3}, one, {2, 2, 2, 2}, 0, 0), 0},
      {"test_maxpool_2d_precomputed_pads", "MaxPool", P({5, 5}, one, {2, 2, 2, 2}, 0, 0), 0},
      {"test_maxpool_2d_precomputed_same_upper", "MaxPool", P({3, 3}, {2, 2}, z, 0, 0, one, "SAME_UPPER"), 0},
      {"test_maxpool_2d_precomputed_strides", "MaxPool", P({2, 2}, {2, 2}, z, 0, 0), 0},
      {"test_maxpool_2d_same_lower", "MaxPool", P({2, 2}, one, z, 0, 0, one, "SAME_LOWER"), 0},
      {"test_maxpool_2d_same_upper", "MaxPool", P({2, 2}, one, z, 0, 0, one, "SAME_UPPER"), 0},
      {"test_maxpool_2d_strides", "MaxPool", P({5, 5}, {3, 3}, z, 0, 0), 0},
      {"test_globalaveragepool", "GlobalAveragePool", PoolParams(), 1e-6},
      {"test_globalaveragepool_precomputed", "GlobalAveragePool", PoolParams(), 1e-6},
  };
  int checked = 0;
  for (const auto& c : cases) {
    std::string dir = root + "/" + c.dir + "/test_data_set_0/";
    std::string in_bytes, out_bytes;
    if (!read_file(dir + "input_0.pb", in_bytes) || !read_file(dir + "output_0.pb", out_bytes)) continue;
    Tensor x, want;
    CHECK_MSG(parse_tensor(in_bytes, x) && parse_tensor(out_bytes, want), std::string(c.dir) + ": parse");
    bool global = std::string(c.op) == "GlobalAveragePool";
    Attrs attrs = global ? Attrs{} : c.p.attrs(std::string(c.op) == "AveragePool");
    auto y = run_everywhere(c.op, {&x}, attrs);
    CHECK_MSG(y[0].shape == want.shape, std::string(c.dir) + ": shape " + aivm::shape_str(y[0].shape) + " vs " +
                                            aivm::shape_str(want.shape));
    if (y[0].shape != want.shape) continue;
    double worst = 0;
    for (int64_t i = 0; i < want.numel(); ++i) {
      double w = want.ptr<float>()[i], g = y[0].ptr<float>()[i];
      worst = std::max(worst, std::fabs(g - w) / std::max(1.0, std::fabs(w)));
    }
    CHECK_MSG(worst <= c.tol, std::string(c.dir) + ": max error " + std::to_string(worst));
    ++checked;
  }
  if (checked == 0) std::printf("  (skipped: no ONNX node tests under %s)\n", root.c_str());
  else std::printf("  (%d ONNX conformance cases checked)\n", checked);
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
