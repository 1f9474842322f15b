// Conv (2-D): bit equality across ISA x threads, accuracy against an
// independent float64 reference written from the ONNX spec, auto_pad, groups
// (incl. depthwise), strides, dilations, bias, batch invariance, specials, errors.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "test_util.h"

using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

struct ConvCase {
  Shape x, w;
  int64_t group = 1;
  std::vector<int64_t> strides = {1, 1}, dilations = {1, 1}, pads = {0, 0, 0, 0};
  std::string auto_pad = "NOTSET";
  bool bias = false;
};

// Explicit [top, left, bottom, right] pads of the ONNX spec for auto_pad.
std::vector<int64_t> spec_pads(const ConvCase& c) {
  if (c.auto_pad == "NOTSET") return c.pads;
  if (c.auto_pad == "VALID") return {0, 0, 0, 0};
  std::vector<int64_t> p(4);
  for (int a = 0; a < 2; ++a) {
    int64_t in = c.x[size_t(2 + a)], k = c.w[size_t(2 + a)], s = c.strides[size_t(a)], d = c.dilations[size_t(a)];
    int64_t out = (in + s - 1) / s;  // ceil(in / s)
    int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
    int64_t small = total / 2, big = total - small;
    p[size_t(a)] = c.auto_pad == "SAME_UPPER" ? small : big;       // begin
    p[size_t(a + 2)] = c.auto_pad == "SAME_UPPER" ? big : small;   // end
  }
  return p;
}

aivm::Attrs attrs_of(const ConvCase& c) {
  aivm::Attrs at;
  if (c.group != 1) at.set("group", attr_int(c.group));
  if (c.strides != std::vector<int64_t>{1, 1}) at.set("strides", attr_ints(c.strides));
  if (c.dilations != std::vector<int64_t>{1, 1}) at.set("dilations", attr_ints(c.dilations));
  if (c.auto_pad != "NOTSET") at.set("auto_pad", attr_string(c.auto_pad));
  else if (c.pads != std::vector<int64_t>{0, 0, 0, 0}) at.set("pads", attr_ints(c.pads));
  at.set("kernel_shape", attr_ints({c.w[2], c.w[3]}));
  return at;
}

// Double reference straight from the definition; returns output values and
// the sum of |x*w| per output (scales the error bound).
void ref_conv(const ConvCase& c, const Tensor& x, const Tensor& w, const Tensor* b, Shape* out_shape,
              std::vector<double>* val, std::vector<double>* absum) {
  std::vector<int64_t> p = spec_pads(c);
  int64_t N = c.x[0], C = c.x[1], H = c.x[2], W = c.x[3], M = c.w[0], kh = c.w[2], kw = c.w[3];
  int64_t Cg = C / c.group, Mg = M / c.group;
  int64_t OH = (H + p[0] + p[2] - ((kh - 1) * c.dilations[0] + 1)) / c.strides[0] + 1;
  int64_t OW = (W + p[1] + p[3] - ((kw - 1) * c.dilations[1] + 1)) / c.strides[1] + 1;
  *out_shape = {N, M, OH, OW};
  val->clear();
  absum->clear();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double s = 0, as = 0;
          int64_t g = m / Mg;
          for (int64_t ci = 0; ci < Cg; ++ci)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                int64_t ih = oh * c.strides[0] - p[0] + i * c.dilations[0];
                int64_t iw = ow * c.strides[1] - p[1] + j * c.dilations[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                double xv = x.ptr<float>()[((n * C + g * Cg + ci) * H + ih) * W + iw];
                double wv = w.ptr<float>()[((m * Cg + ci) * kh + i) * kw + j];
                s += xv * wv;
                as += std::fabs(xv * wv);
              }
          if (b) {
            s += b->ptr<float>()[m];
            as += std::fabs(b->ptr<float>()[m]);
          }
          val->push_back(s);
          absum->push_back(as);
        }
}

Tensor run_case(const ConvCase& c, uint64_t stream, bool check_accuracy = true) {
  Tensor x = random_f32(c.x, stream), w = random_f32(c.w, stream + 1), b = random_f32({c.w[0]}, stream + 2);
  std::vector<const Tensor*> in = {&x, &w};
  if (c.bias) in.push_back(&b);
  Tensor y = run_everywhere("Conv", in, attrs_of(c))[0];
  if (check_accuracy) {
    Shape s;
    std::vector<double> val, absum;
    ref_conv(c, x, w, c.bias ? &b : nullptr, &s, &val, &absum);
    CHECK_MSG(y.shape == s, "Conv shape " + aivm::shape_str(y.shape) + " vs reference " + aivm::shape_str(s));
    if (y.shape != s) return y;
    // One fma chain of K = Cg*kH*kW terms (padded terms add exact zeros) plus the
    // bias add: |err| <= gamma_{K+1} * sum|terms| (Higham Thm 3.1, u = 2^-24).
    const int64_t K = (c.x[1] / c.group) * c.w[2] * c.w[3] + 1;
    const double gamma = fma_chain_gamma(K);
    int bad = 0;
    for (size_t i = 0; i < val.size(); ++i) bad += !(std::fabs(y.ptr<float>()[i] - val[i]) <= gamma * absum[i] * 1.0000001 + 1e-37);
    CHECK_MSG(bad == 0, "Conv accuracy: " + std::to_string(bad) + " elements outside the bound, x " +
                            aivm::shape_str(c.x) + " w " + aivm::shape_str(c.w));
  }
  return y;
}

}  // namespace

TEST(conv_basic_shapes) {
  uint64_t st = 100;
  for (int64_t H : {1, 3, 7, 17})
    for (int64_t W : {1, 5, 31, 33})
      for (int64_t k : {1, 3}) {
        if (k > H + 2 || k > W + 2) continue;
        ConvCase c;
        c.x = {1, 3, H, W};
        c.w = {7, 3, k, k};
        c.pads = {1, 1, 1, 1};
        c.bias = (H + W) % 2 == 0;
        run_case(c, st += 3);
      }
}

TEST(conv_strides_dilations_pads) {
  uint64_t st = 300;
  for (int64_t sh : {1, 2, 3})
    for (int64_t dh : {1, 2})
      for (const auto& pads : std::vector<std::vector<int64_t>>{{0, 0, 0, 0}, {1, 2, 0, 3}, {2, 2, 2, 2}}) {
        ConvCase c;
        c.x = {2, 4, 13, 17};
        c.w = {5, 4, 3, 2};
        c.strides = {sh, 4 - sh};
        c.dilations = {dh, 3 - dh};
        c.pads = pads;
        c.bias = true;
        run_case(c, st += 3);
      }
}

TEST(conv_auto_pad) {
  uint64_t st = 500;
  for (const char* ap : {"SAME_UPPER", "SAME_LOWER", "VALID"})
    for (int64_t s : {1, 2, 3})
      for (int64_t k : {2, 3, 4}) {
        ConvCase c;
        c.x = {1, 2, 11, 8};
        c.w = {3, 2, k, k + 1 > 5 ? 5 : k + 1};
        c.strides = {s, s};
        c.dilations = {1, k == 2 ? 2 : 1};
        c.auto_pad = ap;
        Tensor y = run_case(c, st += 3);
        if (std::string(ap) != "VALID") CHECK(y.shape[2] == (11 + s - 1) / s && y.shape[3] == (8 + s - 1) / s);
      }
}

TEST(conv_groups_and_depthwise) {
  uint64_t st = 700;
  ConvCase g2;
  g2.x = {2, 6, 9, 10};
  g2.w = {4, 3, 3, 3};
  g2.group = 2;
  g2.pads = {1, 1, 1, 1};
  g2.bias = true;
  run_case(g2, st += 3);
  ConvCase g3 = g2;
  g3.w = {9, 2, 3, 3};
  g3.group = 3;
  g3.strides = {2, 1};
  run_case(g3, st += 3);
  ConvCase dw;  // depthwise, channel multiplier 1 and 2
  dw.x = {3, 17, 12, 13};
  dw.w = {17, 1, 3, 3};
  dw.group = 17;
  dw.pads = {1, 1, 1, 1};
  dw.bias = true;
  run_case(dw, st += 3);
  dw.w = {34, 1, 5, 5};
  dw.pads = {2, 2, 2, 2};
  dw.strides = {2, 2};
  run_case(dw, st += 3);
}

TEST(conv_depthwise_equals_gemm_path) {
  // Depthwise convs take a direct path; channel c of it must equal a group=1
  // conv (the GEMM path) of that channel alone, bit for bit.
  for (int64_t mult : {1, 2}) {
    const int64_t C = 5, H = 9, W = 11;
    Tensor x = random_f32({2, C, H, W}, 1300 + mult), w = random_f32({C * mult, 1, 3, 3}, 1310 + mult);
    Tensor b = random_f32({C * mult}, 1320 + mult);
    for (int64_t i = 0; i < x.numel(); i += 11) x.ptr<float>()[i] = (i % 2) ? -0.0f : INFINITY;
    w.ptr<float>()[4] = -INFINITY;
    aivm::Attrs at;
    at.set("group", attr_int(C));
    at.set("pads", attr_ints({1, 2, 0, 1}));
    at.set("strides", attr_ints({1, 2}));
    aivm::Attrs at1;
    at1.set("pads", attr_ints({1, 2, 0, 1}));
    at1.set("strides", attr_ints({1, 2}));
    for (aivm::Isa isa : aivm::available_isas()) {
      Tensor y = run("Conv", {&x, &w, &b}, at, isa, 2)[0];
      const int64_t plane = y.shape[2] * y.shape[3];
      for (int64_t n = 0; n < 2; ++n)
        for (int64_t oc = 0; oc < C * mult; ++oc) {
          const int64_t c = oc / mult;
          Tensor xc = tensor_f32({1, 1, H, W}, std::vector<float>(x.ptr<float>() + (n * C + c) * H * W,
                                                                  x.ptr<float>() + (n * C + c + 1) * H * W));
          Tensor wc = tensor_f32({1, 1, 3, 3}, std::vector<float>(w.ptr<float>() + oc * 9, w.ptr<float>() + oc * 9 + 9));
          Tensor bc = tensor_f32({1}, {b.ptr<float>()[oc]});
          Tensor yc = run("Conv", {&xc, &wc, &bc}, at1, isa, 1)[0];
          CHECK(std::memcmp(yc.data, y.ptr<float>() + (n * C * mult + oc) * plane, size_t(plane) * 4) == 0);
        }
    }
  }
}

TEST(conv_gemm_block_edges) {
  // Large K (> KC = 256, the chain continues through the output), many output
  // channels (> MC) and positions (> NC), pointwise and 3x3.
  uint64_t st = 900;
  ConvCase c;
  c.x = {1, 40, 23, 25};
  c.w = {33, 40, 3, 3};
  c.pads = {1, 1, 1, 1};
  c.bias = true;
  run_case(c, st += 3);
  ConvCase p;
  p.x = {2, 300, 5, 7};
  p.w = {170, 300, 1, 1};
  run_case(p, st += 3);
  ConvCase q;
  q.x = {1, 3, 40, 40};
  q.w = {8, 3, 1, 1};
  q.strides = {2, 2};
  run_case(q, st += 3);
}

TEST(conv_padding_is_in_the_chain) {
  // All weights -0 and x = +1: real terms give fma(1, -0, -0) = -0, padded terms
  // fma(0, -0, -0) = -0 too; with w = +0 the chain becomes +0 at the first term.
  ConvCase c;
  c.x = {1, 1, 3, 3};
  c.w = {1, 1, 3, 3};
  c.pads = {1, 1, 1, 1};
  Tensor x = tensor_f32({1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  Tensor w = tensor_f32({1, 1, 3, 3}, std::vector<float>(9, -0.0f));
  Tensor y = run_everywhere("Conv", {&x, &w}, attrs_of(c))[0];
  for (int i = 0; i < 9; ++i) CHECK(std::signbit(y.ptr<float>()[i]));
  // A padded position times an infinite weight: 0 * inf = NaN (exactly im2col + GEMM).
  Tensor winf = tensor_f32({1, 1, 3, 3}, {INFINITY, 0, 0, 0, 1, 0, 0, 0, 0});
  Tensor yi = run_everywhere("Conv", {&x, &winf}, attrs_of(c))[0];
  CHECK(std::isnan(yi.ptr<float>()[0]));                 // top-left reads a padded x
  CHECK(yi.ptr<float>()[4] == INFINITY);                 // centre reads x = 1
}

TEST(conv_special_values) {
  Tensor x = random_f32({2, 3, 9, 11}, 1000), w = random_f32({4, 3, 3, 3}, 1001), b = random_f32({4}, 1002);
  const float sp[] = {NAN, INFINITY, -INFINITY, -0.0f, 1e-40f, 3e38f};
  for (int64_t i = 0; i < x.numel(); i += 7) x.ptr<float>()[i] = sp[(i / 7) % 6];
  ConvCase c;
  c.x = x.shape;
  c.w = w.shape;
  c.pads = {1, 0, 1, 2};
  run_everywhere("Conv", {&x, &w, &b}, attrs_of(c));
}

TEST(conv_batch_invariance) {
  Tensor x = random_f32({5, 8, 14, 15}, 1100), w = random_f32({16, 4, 3, 3}, 1101), b = random_f32({16}, 1102);
  ConvCase c;
  c.x = x.shape;
  c.w = w.shape;
  c.group = 2;
  c.pads = {1, 1, 1, 1};
  c.strides = {1, 2};
  aivm::Attrs at = attrs_of(c);
  for (aivm::Isa isa : aivm::available_isas()) {
    Tensor y = run("Conv", {&x, &w, &b}, at, isa, 3)[0];
    const int64_t in_sz = 8 * 14 * 15, out_sz = y.numel() / 5;
    for (int64_t n = 0; n < 5; ++n) {
      Tensor xn = tensor_f32({1, 8, 14, 15}, std::vector<float>(x.ptr<float>() + n * in_sz, x.ptr<float>() + (n + 1) * in_sz));
      Tensor yn = run("Conv", {&xn, &w, &b}, at, isa, 1)[0];
      CHECK(std::memcmp(yn.data, y.ptr<float>() + n * out_sz, size_t(out_sz) * 4) == 0);
    }
  }
}

TEST(conv_empty_batch) {
  ConvCase c;
  c.x = {0, 3, 5, 5};
  c.w = {2, 3, 3, 3};
  Tensor y = run_case(c, 1200, false);
  CHECK(y.shape == (Shape{0, 2, 3, 3}));
}

TEST(conv_errors) {
  Tensor x = random_f32({1, 4, 8, 8}, 1), w = random_f32({6, 4, 3, 3}, 2), b = random_f32({6}, 3);
  Tensor x3 = random_f32({1, 4, 8}, 4), w3 = random_f32({6, 4, 3}, 5);
  Tensor x5 = random_f32({1, 4, 4, 4, 4}, 6), w5 = random_f32({6, 4, 3, 3, 3}, 7);
  CHECK_THROWS_CODE(E_SHAPE, run("Conv", {&x3, &w3}));  // 1-D conv
  CHECK_THROWS_CODE(E_SHAPE, run("Conv", {&x5, &w5}));  // 3-D conv
  CHECK_THROWS_CODE(E_SHAPE, run("Conv", {&x, &w3}));
  try {
    run("Conv", {&x3, &w3});
  } catch (const aivm::Error& e) {
    CHECK(std::string(e.what()).find("only 2-D Conv is supported") != std::string::npos);
  }
  Tensor xi = aivm::make_tensor(aivm::DType::I64, {1, 4, 8, 8});
  CHECK_THROWS_CODE(E_DTYPE, run("Conv", {&xi, &w}));
  Tensor bi = aivm::make_tensor(aivm::DType::I32, {6});
  CHECK_THROWS_CODE(E_DTYPE, run("Conv", {&x, &w, &bi}));
  Tensor b5 = random_f32({5}, 8), b2d = random_f32({1, 6}, 9);
  CHECK_THROWS_CODE(E_SHAPE, run("Conv", {&x, &w, &b5}));
  CHECK_THROWS_CODE(E_SHAPE, run("Conv", {&x, &w, &b2d}));
  Tensor wc = random_f32({6, 3, 3, 3}, 10);
  CHECK_THROWS_CODE(E_SHAPE, run("Conv", {&x, &wc}));  // channel mismatch
  aivm::Attrs g2;
  g2.set("group", attr_int(2));
  CHECK_THROWS_CODE(E_SHAPE, run("Conv", {&x, &w}, g2));  // W needs C/group = 2 channels
  Tensor wg = random_f32({5, 2, 3, 3}, 11);
  CHECK_THROWS_CODE(E_SHAPE, run("Conv", {&x, &wg}, g2));  // 5 not a multiple of 2
  aivm::Attrs g0;
  g0.set("group", attr_int(0));
  CHECK_THROWS_CODE(E_ATTR, run("Conv", {&x, &w}, g0));
  aivm::Attrs ks;
  ks.set("kernel_shape", attr_ints({3, 2}));
  CHECK_THROWS_CODE(E_ATTR, run("Conv", {&x, &w}, ks));
  aivm::Attrs s0;
  s0.set("strides", attr_ints({1, 0}));
  CHECK_THROWS_CODE(E_ATTR, run("Conv", {&x, &w}, s0));
  aivm::Attrs s3;
  s3.set("strides", attr_ints({1, 1, 1}));
  CHECK_THROWS_CODE(E_ATTR, run("Conv", {&x, &w}, s3));
  aivm::Attrs d0;
  d0.set("dilations", attr_ints({0, 1}));
  CHECK_THROWS_CODE(E_ATTR, run("Conv", {&x, &w}, d0));
  aivm::Attrs pn;
  pn.set("pads", attr_ints({0, -1, 0, 0}));
  CHECK_THROWS_CODE(E_ATTR, run("Conv", {&x, &w}, pn));
  aivm::Attrs p2;
  p2.set("pads", attr_ints({1, 1}));
  CHECK_THROWS_CODE(E_ATTR, run("Conv", {&x, &w}, p2));
  aivm::Attrs ap;
  ap.set("auto_pad", attr_string("SAME"));
  CHECK_THROWS_CODE(E_ATTR, run("Conv", {&x, &w}, ap));
  aivm::Attrs apb;
  apb.set("auto_pad", attr_string("VALID"));
  apb.set("pads", attr_ints({1, 1, 1, 1}));
  CHECK_THROWS_CODE(E_ATTR, run("Conv", {&x, &w}, apb));
  Tensor wbig = random_f32({6, 4, 9, 3}, 12);
  CHECK_THROWS_CODE(E_SHAPE, run("Conv", {&x, &wbig}));  // kernel taller than the input
  aivm::Attrs dbig;
  dbig.set("dilations", attr_ints({4, 1}));
  CHECK_THROWS_CODE(E_SHAPE, run("Conv", {&x, &w}, dbig));  // dilated extent 9 > 8
  aivm::Attrs unk;
  unk.set("output_padding", attr_ints({0, 0}));
  CHECK_THROWS_CODE(E_ATTR, run("Conv", {&x, &w}, unk));
  CHECK_THROWS_CODE(E_ARITY, run("Conv", {&x}));
}

// Found by npm run fuzz (libFuzzer, UBSan): geometry from hostile attributes and
// shapes overflowed int64 in infer. Shape-only inputs: infer reads no data.
TEST(conv_geometry_never_overflows) {
  auto spec = [](const Shape& s) {
    Tensor t;
    t.shape = s;
    return t;
  };
  // W's channels x group wrapped to 0 = C (4 x 2^62 = 2^64), and was accepted.
  Tensor x0 = spec({1, 0, 3, 3}), w0 = spec({0, 4, 1, 1});
  CHECK_THROWS_CODE(E_ATTR, aivm::infer_op("Conv", {&x0, &w0}, attrs1("group", attr_int(int64_t(1) << 62))));
  // (kH - 1) x dilation overflowed: now clamped, and refused as larger than the input.
  Tensor x = spec({1, 1, 8, 8}), wtall = spec({1, 1, int64_t(1) << 33, 1});
  CHECK_THROWS_CODE(E_SHAPE, aivm::infer_op("Conv", {&x, &wtall}, attrs1("dilations", attr_ints({(int64_t(1) << 31) - 1, 1}))));
  // Strides, dilations and pads are bounded like pooling's: below 2^31.
  Tensor w = spec({1, 1, 3, 3});
  CHECK_THROWS_CODE(E_ATTR, aivm::infer_op("Conv", {&x, &w}, attrs1("strides", attr_ints({int64_t(1) << 31, 1}))));
  CHECK_THROWS_CODE(E_ATTR, aivm::infer_op("Conv", {&x, &w}, attrs1("dilations", attr_ints({1, INT64_MAX}))));
  CHECK_THROWS_CODE(E_ATTR, aivm::infer_op("Conv", {&x, &w}, attrs1("pads", attr_ints({0, 0, INT64_MAX, 0}))));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
