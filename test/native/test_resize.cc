// Resize (added in issue 13) against a float64 reference written again here in
// another form: every output element is the sum over ALL input elements of the
// product of dense per-axis weight vectors (one-hot for nearest), with the
// coordinate formulas of the ONNX spec. Nearest must match exactly (bits are
// copied); linear and cubic within a few ulps (float32 weights and sums). Every
// ISA x 1-4 threads and emulated CUDA must give the scalar run's bytes.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "test_util.h"

using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using aivm::attr_float;
using aivm::attr_string;
using namespace aivm_test;

namespace {

struct Config {
  std::string mode = "nearest", transform = "half_pixel", nearest = "round_prefer_floor";
  double a = -0.75;
  bool exclude = false;
};

// `out` the output size, `len` = in x scale unrounded (ONNX's reference's output_width).
double original(const std::string& tr, double o, double scale, double in, double out, double r0, double r1) {
  const double len = in * scale;
  if (tr == "half_pixel") return (o + 0.5) / scale - 0.5;
  if (tr == "half_pixel_symmetric") {
    const double adj = out / len, center = in / 2;
    return center * (1 - adj) + (o + 0.5) / scale - 0.5;
  }
  if (tr == "pytorch_half_pixel") return len > 1 ? (o + 0.5) / scale - 0.5 : 0;
  if (tr == "align_corners") return len == 1 ? 0 : o * (in - 1) / (len - 1);
  if (tr == "asymmetric") return o / scale;
  if (tr == "tf_half_pixel_for_nn") return (o + 0.5) / scale;
  return len > 1 ? r0 * (in - 1) + o * (r1 - r0) * (in - 1) / (len - 1) : 0.5 * (r0 + r1) * (in - 1);  // tf_crop_and_resize
}

// Dense weights over the input axis for output coordinate o; empty: outside (extrapolate).
std::vector<double> axis_weights(const Config& c, int64_t o, double scale, int64_t in, int64_t out, double r0 = 0, double r1 = 1) {
  std::vector<double> w(size_t(in), 0.0);
  if (c.transform != "tf_crop_and_resize" && scale == 1 && out == in) {  // an unchanged axis is copied (the engine's rule)
    w[size_t(o)] = 1;
    return w;
  }
  double x = original(c.transform, double(o), scale, double(in), double(out), r0, r1);
  if (c.transform == "tf_crop_and_resize" && (x < 0 || x > double(in - 1))) return {};
  auto at = [&](double i) { return size_t(std::min(std::max(i, 0.0), double(in - 1))); };
  if (c.mode == "nearest") {
    double i;
    if (c.nearest == "floor") i = std::floor(x);
    else if (c.nearest == "ceil") i = std::ceil(x);
    else if (std::fabs(x - std::floor(x) - 0.5) < 1e-300) i = c.nearest == "round_prefer_ceil" ? std::ceil(x) : std::floor(x);
    else i = std::round(x);
    w[at(i)] = 1;
  } else if (c.mode == "linear") {
    x = std::min(std::max(x, 0.0), double(in - 1));
    const double f = std::floor(x);
    w[at(f)] += 1 - (x - f);
    w[at(f + 1)] += x - f;
  } else {
    const double f = std::floor(x), r = x - f, A = c.a;
    // Keys' kernel at distances 1 + r, r, 1 - r, 2 - r.
    auto k = [A](double d) {
      d = std::fabs(d);
      return d <= 1 ? ((A + 2) * d - (A + 3)) * d * d + 1 : d < 2 ? ((A * d - 5 * A) * d + 8 * A) * d - 4 * A : 0.0;
    };
    double cw[4] = {k(1 + r), k(r), k(1 - r), k(2 - r)}, sum = 0;
    for (int t = 0; t < 4; ++t) {
      if (c.exclude && (f - 1 + t < 0 || f - 1 + t > double(in - 1))) cw[t] = 0;
      sum += cw[t];
    }
    for (int t = 0; t < 4; ++t) w[at(f - 1 + t)] += c.exclude ? cw[t] / sum : cw[t];
  }
  return w;
}

aivm::Attrs attrs_of(const Config& c) {
  aivm::Attrs a;
  a.set("mode", attr_string(c.mode));
  a.set("coordinate_transformation_mode", attr_string(c.transform));
  a.set("nearest_mode", attr_string(c.nearest));
  a.set("cubic_coeff_a", attr_float(float(c.a)));
  a.set("exclude_outside", attr_int(c.exclude ? 1 : 0));
  return a;
}

// Reference of a rank-4 NCHW resize of H and W (scales 1 on N, C) to out_h x out_w.
std::vector<double> reference(const Tensor& x, const Config& c, double sh, double sw, int64_t oh, int64_t ow, bool* any_outside) {
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  std::vector<double> out;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t ch = 0; ch < C; ++ch)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          const std::vector<double> wh = axis_weights(c, i, sh, H, oh), ww = axis_weights(c, j, sw, W, ow);
          if (wh.empty() || ww.empty()) {
            *any_outside = true;
            out.push_back(0);  // the default extrapolation value
            continue;
          }
          double v = 0;
          for (int64_t p = 0; p < H; ++p)
            for (int64_t q = 0; q < W; ++q)
              if (wh[size_t(p)] != 0 && ww[size_t(q)] != 0) v += wh[size_t(p)] * ww[size_t(q)] * x.ptr<float>()[((n * C + ch) * H + p) * W + q];
          out.push_back(v);
        }
  return out;
}

}  // namespace

TEST(resize_against_a_dense_float64_reference) {
  const std::vector<std::pair<Shape, std::vector<float>>> cases = {
      {{1, 1, 4, 4}, {1, 1, 0.5f, 0.6f}}, {{1, 2, 3, 5}, {1, 1, 2, 3}}, {{2, 1, 7, 6}, {1, 1, 0.75f, 1.5f}},
      {{1, 1, 1, 4}, {1, 1, 3, 0.5f}}, {{1, 1, 5, 5}, {1, 1, 1, 1}}, {{1, 3, 40, 33}, {1, 1, 1.7f, 0.31f}}};
  uint64_t stream = 1800;
  std::vector<Config> configs;
  for (const char* tr : {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"}) {
    for (const char* nm : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) configs.push_back({"nearest", tr, nm});
    configs.push_back({"linear", tr});
    configs.push_back({"cubic", tr, "round_prefer_floor", -0.75, false});
    configs.push_back({"cubic", tr, "round_prefer_floor", -0.5, true});
  }
  for (const auto& [shape, sc] : cases) {
    Tensor x = random_f32(shape, stream++, 3.0f);
    Tensor scales = tensor_f32({4}, sc);
    for (const Config& c : configs) {
      const std::vector<Tensor> y = run_everywhere("Resize", {&x, nullptr, &scales}, attrs_of(c));
      const int64_t oh = int64_t(std::floor(double(shape[2]) * double(sc[2]))), ow = int64_t(std::floor(double(shape[3]) * double(sc[3])));
      bool outside = false;
      const std::vector<double> ref = reference(x, c, double(sc[2]), double(sc[3]), oh, ow, &outside);
      const std::string what = "Resize " + c.mode + " " + c.transform + " " + c.nearest + " " + aivm::shape_str(shape);
      CHECK_MSG(y[0].shape == (Shape{shape[0], shape[1], oh, ow}), what + ": shape");
      if (c.mode == "nearest") {
        bool same = y[0].numel() == int64_t(ref.size());
        for (size_t i = 0; same && i < ref.size(); ++i) same = double(y[0].ptr<float>()[i]) == ref[i];
        CHECK_MSG(same, what);
      } else {
        check_close(y[0], ref, 8, 1e-6, what);
      }
    }
  }
}

TEST(resize_sizes_axes_policies_and_crop) {
  // ONNX's examples: bilinear 2x2 -> 4x4 (half_pixel), nearest 2x2 -> 4x6.
  Tensor x = tensor_f32({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor s2 = tensor_f32({4}, {1, 1, 2, 2}), s23 = tensor_f32({4}, {1, 1, 2, 3});
  Config lin{"linear"};
  const std::vector<Tensor> l = run_everywhere("Resize", {&x, nullptr, &s2}, attrs_of(lin));
  CHECK((std::vector<float>(l[0].ptr<float>(), l[0].ptr<float>() + 16) ==
         std::vector<float>{1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4}));
  const std::vector<Tensor> nn = run_everywhere("Resize", {&x, nullptr, &s23}, attrs_of(Config{}));
  CHECK((std::vector<float>(nn[0].ptr<float>(), nn[0].ptr<float>() + 24) ==
         std::vector<float>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
  // sizes with axes, and the aspect-ratio policies: 4x4 -> not_larger (3, 2) gives 2x2, not_smaller 3x3.
  Tensor y44 = random_f32({1, 1, 4, 4}, 1810);
  Tensor sizes = tensor_i64({2}, {3, 2});
  aivm::Attrs a = attrs_of(Config{});
  a.set("axes", aivm::attr_ints({2, 3}));
  CHECK(run_everywhere("Resize", {&y44, nullptr, nullptr, &sizes}, a)[0].shape == (Shape{1, 1, 3, 2}));
  a.set("keep_aspect_ratio_policy", attr_string("not_larger"));
  CHECK(run_everywhere("Resize", {&y44, nullptr, nullptr, &sizes}, a)[0].shape == (Shape{1, 1, 2, 2}));
  a.set("keep_aspect_ratio_policy", attr_string("not_smaller"));
  CHECK(run_everywhere("Resize", {&y44, nullptr, nullptr, &sizes}, a)[0].shape == (Shape{1, 1, 3, 3}));
  // Integers and bool resize by nearest (bits copied).
  Tensor i = tensor_i64({1, 3}, {7, -8, 9});
  Tensor si = tensor_f32({2}, {1, 2});
  const std::vector<Tensor> yi = run_everywhere("Resize", {&i, nullptr, &si}, attrs_of(Config{"nearest", "asymmetric", "floor"}));
  CHECK((std::vector<int64_t>(yi[0].ptr<int64_t>(), yi[0].ptr<int64_t>() + 6) == std::vector<int64_t>{7, 7, -8, -8, 9, 9}));
  // tf_crop_and_resize: roi outside [0, 1] reads outside the input: the extrapolation value there.
  Tensor roi = tensor_f32({8}, {0, 0, -0.5f, 0.4f, 1, 1, 0.6f, 1.5f});
  Tensor s1 = tensor_f32({4}, {1, 1, 3, 3});
  aivm::Attrs crop = attrs_of(Config{"linear", "tf_crop_and_resize"});
  crop.set("extrapolation_value", attr_float(10.0f));
  const std::vector<Tensor> yc = run_everywhere("Resize", {&y44, &roi, &s1}, crop);
  CHECK(yc[0].shape == (Shape{1, 1, 12, 12}));  // floor(4 x 3) per axis, as onnxruntime and ONNX's shape inference
  CHECK(yc[0].ptr<float>()[0] == 10.0f);        // row 0 reads at -0.5 x 3 = -1.5: outside
}

TEST(resize_contract) {
  Tensor x = random_f32({1, 1, 2, 2}, 1820), xi = tensor_i64({1, 2}, {1, 2});
  Tensor s = tensor_f32({4}, {1, 1, 2, 2}), s3 = tensor_f32({3}, {1, 2, 2}), s0 = tensor_f32({4}, {1, 1, 0, 2});
  Tensor sz = tensor_i64({4}, {1, 1, 3, 3}), sz_f = tensor_f32({4}, {1, 1, 3, 3}), si = tensor_f32({2}, {1, 2});
  Tensor huge = tensor_f32({4}, {1, 1, 1e9f, 1e9f});
  CHECK_THROWS_CODE(E_ARITY, run("Resize", {&x}));
  CHECK_THROWS_CODE(E_ARITY, run("Resize", {&x, nullptr, &s, &sz}));
  CHECK_THROWS_CODE(E_SHAPE, run("Resize", {&x, nullptr, &s3}));
  CHECK_THROWS_CODE(E_VALUE, run("Resize", {&x, nullptr, &s0}));
  CHECK_THROWS_CODE(E_DTYPE, run("Resize", {&x, nullptr, nullptr, &sz_f}));
  CHECK_THROWS_CODE(E_DTYPE, run("Resize", {&xi, nullptr, &si}, attrs1("mode", attr_string("linear"))));
  CHECK_THROWS_CODE(E_TOO_LARGE, run("Resize", {&x, nullptr, &huge}));
  CHECK_THROWS_CODE(E_ATTR, run("Resize", {&x, nullptr, &s}, attrs1("mode", attr_string("bicubic"))));
  CHECK_THROWS_CODE(E_ATTR, run("Resize", {&x, nullptr, &s}, attrs1("antialias", attr_int(1))));
  CHECK_THROWS_CODE(E_ATTR, run("Resize", {&x, nullptr, &s}, attrs1("coordinate_transformation_mode", attr_string("half_pixel_asymmetric"))));
  CHECK_THROWS_CODE(E_ARITY, run("Resize", {&x, nullptr, &s}, attrs1("coordinate_transformation_mode", attr_string("tf_crop_and_resize"))));
  // roi: float32 and finite.
  aivm::Attrs crop = attrs1("coordinate_transformation_mode", attr_string("tf_crop_and_resize"));
  Tensor roi_i = tensor_i64({8}, {0, 0, 0, 0, 1, 1, 1, 1}), roi_nan = tensor_f32({8}, {0, 0, NAN, 0, 1, 1, 1, 1});
  Tensor roi_inf = tensor_f32({8}, {0, 0, -INFINITY, 0, 1, 1, INFINITY, 1});
  CHECK_THROWS_CODE(E_DTYPE, run("Resize", {&x, &roi_i, nullptr, &sz}, crop));
  CHECK_THROWS_CODE(E_VALUE, run("Resize", {&x, &roi_nan, nullptr, &sz}, crop));
  CHECK_THROWS_CODE(E_VALUE, run("Resize", {&x, &roi_inf, nullptr, &sz}, crop));
  // An aspect-ratio policy whose common scale would size another axis past the limit (shapes only: infer reads no X data).
  Tensor tall;
  tall.dtype = DType::F32;
  tall.shape = {int64_t(1) << 30, 1};
  Tensor wide = tensor_i64({2}, {1, int64_t(1) << 34});
  aivm::Attrs policy = attrs1("keep_aspect_ratio_policy", attr_string("not_smaller"));
  CHECK_THROWS_CODE(E_VALUE, aivm::infer_op("Resize", {&tall, nullptr, nullptr, &wide}, policy));
  // Resize-10's nearest rule ("simple"): ceil on a shrinking axis (onnxruntime), floor when growing.
  Tensor r10 = tensor_f32({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}), s06 = tensor_f32({2}, {0.6f, 0.6f});
  aivm::Attrs simple = attrs1("nearest_mode", attr_string("simple"));
  simple.set("coordinate_transformation_mode", attr_string("asymmetric"));
  const std::vector<Tensor> ys = run_everywhere("Resize", {&r10, nullptr, &s06}, simple);
  CHECK(ys[0].shape == (Shape{1, 2}) && ys[0].ptr<float>()[0] == 1.0f && ys[0].ptr<float>()[1] == 3.0f);  // ONNX's old test_resize_downsample_nearest
  // Policy sizes round half up: [2, 5] to at most [1, 5] is scale 0.5, 2.5 elements -> 3.
  Tensor x25 = random_f32({2, 5}, 1821), s15 = tensor_i64({2}, {1, 5});
  CHECK(run("Resize", {&x25, nullptr, nullptr, &s15}, attrs1("keep_aspect_ratio_policy", attr_string("not_larger")))[0].shape == (Shape{1, 3}));
  // Cubic with exclude_outside where no tap inside has a weight: a finite result, not 0/0.
  Tensor x24 = random_f32({2, 4}, 1822), s23 = tensor_i64({2}, {2, 3});
  aivm::Attrs cub = attrs1("mode", attr_string("cubic"));
  cub.set("exclude_outside", attr_int(1));
  cub.set("coordinate_transformation_mode", attr_string("align_corners"));
  cub.set("keep_aspect_ratio_policy", attr_string("not_larger"));
  const std::vector<Tensor> yc = run_everywhere("Resize", {&x24, nullptr, nullptr, &s23}, cub);
  for (int64_t i = 0; i < yc[0].numel(); ++i) CHECK(std::isfinite(yc[0].ptr<float>()[i]));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
