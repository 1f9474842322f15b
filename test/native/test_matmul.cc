// MatMul and Gemm: bit equality across ISA x threads, accuracy against an
// independent float64 reference, numpy/ONNX shape semantics, batch invariance,
// special values and every error path.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "test_util.h"

using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

// Small integers in [-8, 8]: every product and partial sum is exact in float
// while |sum| < 2^24, so the engine must match the double reference exactly.
Tensor small_ints(const Shape& shape, uint64_t stream) {
  Tensor t = aivm::make_tensor(aivm::DType::F32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.ptr<float>()[i] = float(int(aivm::rng_u64(3, stream, uint64_t(i)) % 17) - 8);
  return t;
}

// ---- Independent float64 reference (numpy matmul semantics) -----------------
struct RefOut {
  Shape shape;
  std::vector<double> val;
  std::vector<double> absum;  // sum over k of |a*b|: scales the error bound
};

RefOut ref_matmul(const Tensor& a, const Tensor& b) {
  Shape sa = a.shape, sb = b.shape;
  bool av = sa.size() == 1, bv = sb.size() == 1;
  if (av) sa.insert(sa.begin(), 1);
  if (bv) sb.push_back(1);
  int64_t M = sa[sa.size() - 2], K = sa.back(), N = sb.back();
  Shape ba(sa.begin(), sa.end() - 2), bb(sb.begin(), sb.end() - 2);
  size_t r = std::max(ba.size(), bb.size());
  while (ba.size() < r) ba.insert(ba.begin(), 1);
  while (bb.size() < r) bb.insert(bb.begin(), 1);
  Shape bo(r);
  for (size_t i = 0; i < r; ++i) bo[i] = ba[i] == 1 ? bb[i] : ba[i];
  int64_t nb = 1;
  for (int64_t x : bo) nb *= x;
  RefOut out;
  out.shape = bo;
  if (!av) out.shape.push_back(M);
  if (!bv) out.shape.push_back(N);
  for (int64_t bi = 0; bi < nb; ++bi) {
    // Unravel bi over bo, then index each operand (broadcast dims use index 0).
    int64_t rem = bi, oa = 0, ob = 0, sa_mul = 1, sb_mul = 1;
    for (int d = int(r) - 1; d >= 0; --d) {
      int64_t idx = rem % bo[size_t(d)];
      rem /= bo[size_t(d)];
      oa += (ba[size_t(d)] == 1 ? 0 : idx) * sa_mul;
      ob += (bb[size_t(d)] == 1 ? 0 : idx) * sb_mul;
      sa_mul *= ba[size_t(d)];
      sb_mul *= bb[size_t(d)];
    }
    const float* pa = a.ptr<float>() + oa * M * K;
    const float* pb = b.ptr<float>() + ob * K * N;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0, as = 0;
        for (int64_t k = 0; k < K; ++k) {
          double p = double(pa[i * K + k]) * double(pb[k * N + j]);
          s += p;
          as += std::fabs(p);
        }
        out.val.push_back(s);
        out.absum.push_back(as);
      }
  }
  return out;
}

// A K-term fma chain has |error| <= gamma_K * sum|a_k b_k|, gamma_K = K u / (1 - K u),
// u = 2^-24 (Higham, Thm 3.1; an fma step rounds once), plus underflow slack.
void check_bound(const Tensor& got, const RefOut& ref, int64_t K, const std::string& what) {
  CHECK_MSG(got.shape == ref.shape, what + ": shape " + aivm::shape_str(got.shape) + " vs " + aivm::shape_str(ref.shape));
  if (got.shape != ref.shape) return;
  const double gamma = fma_chain_gamma(K);
  int bad = 0;
  for (size_t i = 0; i < ref.val.size(); ++i) {
    double g = got.ptr<float>()[i];
    double tol = gamma * ref.absum[i] * 1.0000001 + 1e-37;
    if (!(std::fabs(g - ref.val[i]) <= tol)) {
      if (bad++ < 3)
        CHECK_MSG(false, what + ": element " + std::to_string(i) + " got " + std::to_string(g) + " ref " +
                             std::to_string(ref.val[i]) + " tol " + std::to_string(tol));
    }
  }
  CHECK_MSG(bad == 0, what + ": " + std::to_string(bad) + " elements outside the fma-chain error bound");
}

void check_exact(const Tensor& got, const RefOut& ref, const std::string& what) {
  CHECK(got.shape == ref.shape);
  if (got.shape != ref.shape) return;
  int bad = 0;
  for (size_t i = 0; i < ref.val.size(); ++i) bad += double(got.ptr<float>()[i]) != ref.val[i];
  CHECK_MSG(bad == 0, what + ": " + std::to_string(bad) + " inexact elements with exactly representable data");
}

// Reference Gemm: Y = alpha * (op(A) op(B)) + beta * C in double.
std::vector<double> ref_gemm(const Tensor& a, const Tensor& b, const Tensor* c, bool ta, bool tb, double alpha,
                             double beta, int64_t M, int64_t N, int64_t K, std::vector<double>* absum) {
  std::vector<double> y(size_t(M * N));
  absum->assign(size_t(M * N), 0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0, as = 0;
      for (int64_t k = 0; k < K; ++k) {
        double av = ta ? a.ptr<float>()[k * M + i] : a.ptr<float>()[i * K + k];
        double bv = tb ? b.ptr<float>()[j * K + k] : b.ptr<float>()[k * N + j];
        s += av * bv;
        as += std::fabs(av * bv);
      }
      double cv = 0;
      if (c) {
        Shape cs = c->shape;
        while (cs.size() < 2) cs.insert(cs.begin(), 1);
        int64_t ci = (cs[0] == 1 ? 0 : i), cj = (cs[1] == 1 ? 0 : j);
        cv = c->ptr<float>()[ci * cs[1] + cj];
      }
      y[size_t(i * N + j)] = alpha * s + beta * cv;
      (*absum)[size_t(i * N + j)] = std::fabs(alpha) * as + std::fabs(beta * cv) + std::fabs(alpha * s);
    }
  return y;
}

const std::vector<int64_t> kDims = {1, 3, 7, 17, 31, 33};

}  // namespace

TEST(matmul_bits_small_dims) {
  uint64_t stream = 100;
  for (int64_t M : kDims)
    for (int64_t N : kDims)
      for (int64_t K : kDims) {
        Tensor a = random_f32({M, K}, stream++), b = random_f32({K, N}, stream++);
        Tensor y = run_everywhere("MatMul", {&a, &b})[0];
        check_bound(y, ref_matmul(a, b), K, "MatMul " + std::to_string(M) + "x" + std::to_string(K) + "x" + std::to_string(N));
      }
}

TEST(matmul_bits_large_dims) {
  // Crosses every block edge: K > KC (256) continues the chain through C,
  // M > MC, N > NC (512), and ragged MR/NR edges.
  const std::vector<std::vector<int64_t>> mnk = {
      {100, 257, 17}, {257, 33, 100}, {33, 100, 257}, {257, 257, 257}, {31, 600, 7},
      {7, 31, 600},   {200, 1100, 3}, {1, 1000, 1023}, {1023, 1, 300}, {15, 33, 520},
  };
  uint64_t stream = 500;
  for (const auto& d : mnk) {
    Tensor a = random_f32({d[0], d[2]}, stream++), b = random_f32({d[2], d[1]}, stream++);
    Tensor y = run_everywhere("MatMul", {&a, &b})[0];
    check_bound(y, ref_matmul(a, b), d[2], "MatMul large");
  }
}

TEST(matmul_exact_small_ints) {
  uint64_t stream = 700;
  for (const auto& d : std::vector<std::vector<int64_t>>{{33, 31, 17}, {100, 257, 300}, {5, 40, 1000}}) {
    Tensor a = small_ints({d[0], d[2]}, stream++), b = small_ints({d[2], d[1]}, stream++);
    Tensor y = run_everywhere("MatMul", {&a, &b})[0];
    check_exact(y, ref_matmul(a, b), "MatMul ints");
  }
}

TEST(matmul_numpy_shapes) {
  struct C { Shape a, b, out; };
  const std::vector<C> cases = {
      {{7}, {7}, {}},
      {{7}, {7, 5}, {5}},
      {{3, 7}, {7}, {3}},
      {{7}, {4, 7, 5}, {4, 5}},
      {{4, 3, 7}, {7}, {4, 3}},
      {{2, 3, 7}, {2, 7, 5}, {2, 3, 5}},
      {{2, 1, 3, 7}, {4, 7, 5}, {2, 4, 3, 5}},
      {{1, 3, 7}, {6, 7, 5}, {6, 3, 5}},
      {{6, 3, 7}, {1, 7, 5}, {6, 3, 5}},
      {{5, 3, 17}, {17, 33}, {5, 3, 33}},
      {{0, 3, 7}, {7, 5}, {0, 3, 5}},
      {{3, 0}, {0, 5}, {3, 5}},
      {{3, 7}, {7, 0}, {3, 0}},
  };
  uint64_t stream = 800;
  for (const auto& c : cases) {
    Tensor a = random_f32(c.a, stream++), b = random_f32(c.b, stream++);
    Tensor y = run_everywhere("MatMul", {&a, &b})[0];
    CHECK_MSG(y.shape == c.out, aivm::shape_str(c.a) + " x " + aivm::shape_str(c.b) + " -> " + aivm::shape_str(y.shape));
    int64_t K = c.a.back();
    check_bound(y, ref_matmul(a, b), K, "MatMul " + aivm::shape_str(c.a) + " x " + aivm::shape_str(c.b));
  }
}

TEST(matmul_k_zero_and_signed_zero) {
  Tensor a = aivm::make_tensor(aivm::DType::F32, {3, 0}), b = aivm::make_tensor(aivm::DType::F32, {0, 4});
  Tensor y = run_everywhere("MatMul", {&a, &b})[0];
  for (int64_t i = 0; i < y.numel(); ++i) CHECK(bits_of(y.ptr<float>()[i]) == 0u);  // K == 0 gives +0
  // The chain starts at -0: (-0)*1 + -0 stays -0; 0*1 from -0 gives +0.
  Tensor a2 = tensor_f32({2, 2}, {-0.0f, -0.0f, 0.0f, -0.0f}), b2 = tensor_f32({2, 1}, {1.0f, 1.0f});
  Tensor y2 = run_everywhere("MatMul", {&a2, &b2})[0];
  CHECK(bits_of(y2.ptr<float>()[0]) == 0x80000000u);
  CHECK(bits_of(y2.ptr<float>()[1]) == 0u);
}

TEST(matmul_special_values) {
  const float inf = INFINITY, nan = NAN;
  Tensor a = tensor_f32({3, 2}, {1, inf, 0, inf, nan, 1});
  Tensor b = tensor_f32({2, 2}, {1, 2, 3, -4});
  Tensor y = run_everywhere("MatMul", {&a, &b})[0];
  const float* p = y.ptr<float>();
  CHECK(p[0] == inf && p[1] == -inf);  // 1*1 + inf*3, 1*2 + inf*-4
  CHECK(p[2] == inf && p[3] == -inf);
  CHECK(std::isnan(p[4]) && std::isnan(p[5]));
  Tensor a2 = tensor_f32({1, 2}, {0, 1}), b2 = tensor_f32({2, 1}, {inf, 1});
  CHECK(std::isnan(run_everywhere("MatMul", {&a2, &b2})[0].ptr<float>()[0]));  // 0 * inf
  // Overflow to inf through the chain, and subnormal products kept (no FTZ).
  Tensor a3 = tensor_f32({1, 2}, {3e38f, 3e38f}), b3 = tensor_f32({2, 1}, {1, 1});
  CHECK(run_everywhere("MatMul", {&a3, &b3})[0].ptr<float>()[0] == inf);
  Tensor a4 = tensor_f32({1, 1}, {1e-20f}), b4 = tensor_f32({1, 1}, {1e-20f});
  float sub = run_everywhere("MatMul", {&a4, &b4})[0].ptr<float>()[0];
  CHECK(sub > 0 && sub < 1.2e-38f);
  // Random special values over awkward shapes must still agree everywhere.
  Tensor s1 = random_f32({17, 33}, 990), s2 = random_f32({33, 31}, 991);
  for (int64_t i = 0; i < s1.numel(); i += 13) s1.ptr<float>()[i] = (i % 3 == 0) ? nan : (i % 3 == 1 ? inf : -0.0f);
  run_everywhere("MatMul", {&s1, &s2});
}

TEST(matmul_batch_invariance) {
  // Row b of a batched run equals the run on that batch alone, and row i of a
  // matrix product equals the product of that single row.
  Tensor a = random_f32({5, 9, 300}, 1000), b = random_f32({300, 37}, 1001);
  Tensor b3 = random_f32({5, 300, 37}, 1002);
  for (aivm::Isa isa : aivm::available_isas()) {
    for (int threads : {1, 3}) {
      Tensor y = run("MatMul", {&a, &b}, {}, isa, threads)[0];
      Tensor y3 = run("MatMul", {&a, &b3}, {}, isa, threads)[0];
      for (int64_t bi = 0; bi < 5; ++bi) {
        Tensor ab = tensor_f32({1, 9, 300}, std::vector<float>(a.ptr<float>() + bi * 2700, a.ptr<float>() + (bi + 1) * 2700));
        Tensor bb = tensor_f32({300, 37}, std::vector<float>(b3.ptr<float>() + bi * 11100, b3.ptr<float>() + (bi + 1) * 11100));
        Tensor yb = run("MatMul", {&ab, &b}, {}, isa, 1)[0];
        Tensor yb3 = run("MatMul", {&ab, &bb}, {}, isa, 1)[0];
        CHECK(std::memcmp(yb.data, y.ptr<float>() + bi * 9 * 37, 9 * 37 * 4) == 0);
        CHECK(std::memcmp(yb3.data, y3.ptr<float>() + bi * 9 * 37, 9 * 37 * 4) == 0);
        for (int64_t i = 0; i < 9; i += 4) {
          Tensor row = tensor_f32({300}, std::vector<float>(ab.ptr<float>() + i * 300, ab.ptr<float>() + (i + 1) * 300));
          Tensor yr = run("MatMul", {&row, &b}, {}, isa, 2)[0];
          CHECK(std::memcmp(yr.data, y.ptr<float>() + (bi * 9 + i) * 37, 37 * 4) == 0);
        }
      }
    }
  }
}

TEST(matmul_errors) {
  Tensor a = random_f32({3, 4}, 1), b = random_f32({5, 6}, 2), ok = random_f32({4, 6}, 3);
  CHECK_THROWS_CODE(E_SHAPE, run("MatMul", {&a, &b}));
  Tensor ai = aivm::make_tensor(aivm::DType::I64, {3, 4});
  CHECK_THROWS_CODE(E_DTYPE, run("MatMul", {&ai, &ok}));
  CHECK_THROWS_CODE(E_DTYPE, run("MatMul", {&a, &ai}));
  Tensor s = aivm::make_tensor(aivm::DType::F32, {});
  CHECK_THROWS_CODE(E_SHAPE, run("MatMul", {&s, &ok}));
  Tensor a3 = random_f32({2, 3, 4}, 4), b3 = random_f32({3, 4, 6}, 5);
  CHECK_THROWS_CODE(E_SHAPE, run("MatMul", {&a3, &b3}));  // batch 2 vs 3
  CHECK_THROWS_CODE(E_ARITY, run("MatMul", {&a}));
  aivm::Attrs bad;
  bad.set("transA", attr_int(1));
  CHECK_THROWS_CODE(E_ATTR, run("MatMul", {&a, &ok}, bad));
}

// ---- Gemm ---------------------------------------------------------------------

TEST(gemm_bits_and_accuracy) {
  uint64_t stream = 2000;
  const std::vector<std::vector<int64_t>> mnk = {{1, 1, 1}, {3, 7, 17}, {17, 31, 33}, {33, 3, 7},
                                                 {100, 33, 257}, {31, 100, 3}, {7, 257, 31}};
  for (const auto& d : mnk) {
    const int64_t M = d[0], N = d[1], K = d[2];
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (int cform = 0; cform < 6; ++cform) {
          Tensor a = random_f32(ta ? Shape{K, M} : Shape{M, K}, stream++);
          Tensor b = random_f32(tb ? Shape{N, K} : Shape{K, N}, stream++);
          // C forms: none, [M,N], [N], [M,1], [1,N], scalar [].
          Shape cs[] = {{}, {M, N}, {N}, {M, 1}, {1, N}, {}};
          Tensor c = random_f32(cs[cform], stream++);
          aivm::Attrs at;
          at.set("transA", attr_int(ta));
          at.set("transB", attr_int(tb));
          float alpha = (cform % 2) ? 0.75f : 1.0f, beta = (cform % 3) ? -1.5f : 1.0f;
          if (cform != 0 || ta) at.set("alpha", attr_float(alpha));
          if (cform != 0 || tb) at.set("beta", attr_float(beta));
          std::vector<const Tensor*> in = {&a, &b};
          if (cform != 0) in.push_back(&c);
          Tensor y = run_everywhere("Gemm", in, at)[0];
          std::vector<double> absum;
          std::vector<double> ref = ref_gemm(a, b, cform ? &c : nullptr, ta, tb, alpha, beta, M, N, K, &absum);
          CHECK(y.shape == (Shape{M, N}));
          // Chain bound on alpha*acc, plus one rounding of alpha*acc and one of the fma.
          const double g = fma_chain_gamma(K + 2);
          int bad = 0;
          for (size_t i = 0; i < ref.size(); ++i) bad += !(std::fabs(y.ptr<float>()[i] - ref[i]) <= g * absum[i] * 1.0000001 + 1e-37);
          CHECK_MSG(bad == 0, "Gemm accuracy M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" +
                                  std::to_string(K) + " ta=" + std::to_string(ta) + " tb=" + std::to_string(tb) +
                                  " c=" + std::to_string(cform));
        }
  }
}

TEST(gemm_epilogue_exact) {
  // Y = alpha*acc rounded once, then fma(beta, C, Y): checked against the same
  // two operations done here in double and rounded (exact inputs).
  Tensor a = small_ints({4, 5}, 3000), b = small_ints({5, 3}, 3001), c = random_f32({4, 3}, 3002);
  aivm::Attrs at;
  at.set("alpha", attr_float(0.1f));
  at.set("beta", attr_float(0.3f));
  Tensor y = run_everywhere("Gemm", {&a, &b, &c}, at)[0];
  std::vector<double> absum;
  std::vector<double> acc = ref_gemm(a, b, nullptr, false, false, 1.0, 0.0, 4, 3, 5, &absum);
  for (int i = 0; i < 12; ++i) {
    float t = float(double(0.1f) * acc[size_t(i)]);                      // one rounded multiply
    float e = std::fmaf(0.3f, c.ptr<float>()[i], t);  // libm fmaf: correctly rounded
    CHECK(bits_of(y.ptr<float>()[i]) == bits_of(e));
  }
  // beta = 0 still applies C through the fma: 0 * inf = NaN.
  Tensor ci = tensor_f32({1}, {INFINITY});
  aivm::Attrs z;
  z.set("beta", attr_float(0.0f));
  Tensor yz = run_everywhere("Gemm", {&a, &b, &ci}, z)[0];
  CHECK(std::isnan(yz.ptr<float>()[0]));
}

TEST(gemm_batch_invariance) {
  Tensor a = random_f32({13, 70}, 3100), b = random_f32({70, 29}, 3101), c = random_f32({13, 29}, 3102);
  Tensor bt = random_f32({29, 70}, 3103);
  aivm::Attrs at;
  at.set("alpha", attr_float(1.25f));
  at.set("beta", attr_float(0.5f));
  aivm::Attrs att = at;
  att.set("transB", attr_int(1));
  for (aivm::Isa isa : aivm::available_isas()) {
    Tensor y = run("Gemm", {&a, &b, &c}, at, isa, 4)[0];
    Tensor yt = run("Gemm", {&a, &bt, &c}, att, isa, 2)[0];
    for (int64_t i = 0; i < 13; ++i) {
      Tensor ar = tensor_f32({1, 70}, std::vector<float>(a.ptr<float>() + i * 70, a.ptr<float>() + (i + 1) * 70));
      Tensor cr = tensor_f32({1, 29}, std::vector<float>(c.ptr<float>() + i * 29, c.ptr<float>() + (i + 1) * 29));
      Tensor yr = run("Gemm", {&ar, &b, &cr}, at, isa, 1)[0];
      Tensor yrt = run("Gemm", {&ar, &bt, &cr}, att, isa, 1)[0];
      CHECK(std::memcmp(yr.data, y.ptr<float>() + i * 29, 29 * 4) == 0);
      CHECK(std::memcmp(yrt.data, yt.ptr<float>() + i * 29, 29 * 4) == 0);
    }
  }
}

TEST(gemm_matches_matmul_without_c) {
  Tensor a = random_f32({33, 257}, 3200), b = random_f32({257, 17}, 3201);
  Tensor g = run_everywhere("Gemm", {&a, &b})[0];
  Tensor m = run_everywhere("MatMul", {&a, &b})[0];
  CHECK(same_bits(g, m));  // alpha = 1 multiplies exactly
}

TEST(gemm_omitted_c) {
  Tensor a = random_f32({3, 4}, 1), b = random_f32({4, 5}, 2);
  Tensor y1 = run("Gemm", {&a, &b})[0];
  Tensor y2 = run("Gemm", {&a, &b, nullptr})[0];
  CHECK(same_bits(y1, y2));
}

TEST(gemm_errors) {
  Tensor a = random_f32({3, 4}, 1), b = random_f32({4, 5}, 2), b2 = random_f32({5, 5}, 3);
  CHECK_THROWS_CODE(E_SHAPE, run("Gemm", {&a, &b2}));
  Tensor a3 = random_f32({1, 3, 4}, 4);
  CHECK_THROWS_CODE(E_SHAPE, run("Gemm", {&a3, &b}));
  Tensor v = random_f32({4}, 5);
  CHECK_THROWS_CODE(E_SHAPE, run("Gemm", {&a, &v}));
  Tensor ai = aivm::make_tensor(aivm::DType::I32, {3, 4});
  CHECK_THROWS_CODE(E_DTYPE, run("Gemm", {&ai, &b}));
  Tensor cbad = random_f32({2, 5}, 6), c3 = random_f32({1, 3, 5}, 7), cn = random_f32({4}, 8);
  CHECK_THROWS_CODE(E_SHAPE, run("Gemm", {&a, &b, &cbad}));
  CHECK_THROWS_CODE(E_SHAPE, run("Gemm", {&a, &b, &c3}));
  CHECK_THROWS_CODE(E_SHAPE, run("Gemm", {&a, &b, &cn}));
  Tensor ci = aivm::make_tensor(aivm::DType::I64, {3, 5});
  CHECK_THROWS_CODE(E_DTYPE, run("Gemm", {&a, &b, &ci}));
  aivm::Attrs t2;
  t2.set("transA", attr_int(2));
  CHECK_THROWS_CODE(E_ATTR, run("Gemm", {&a, &b}, t2));
  aivm::Attrs tf;
  tf.set("transB", attr_float(1.0f));
  CHECK_THROWS_CODE(E_ATTR, run("Gemm", {&a, &b}, tf));
  aivm::Attrs af;
  af.set("alpha", attr_float(2.0f));
  af.set("transA", attr_float(0.0f));
  CHECK_THROWS_CODE(E_ATTR, run("Gemm", {&a, &b}, af));
  aivm::Attrs unk;
  unk.set("broadcast", attr_int(1));
  CHECK_THROWS_CODE(E_ATTR, run("Gemm", {&a, &b}, unk));
  CHECK_THROWS_CODE(E_ARITY, run("Gemm", {&a}));
  // transA makes the shapes agree.
  aivm::Attrs ta;
  ta.set("transA", attr_int(1));
  Tensor at = random_f32({4, 3}, 9);
  CHECK(run("Gemm", {&at, &b}, ta)[0].shape == (Shape{3, 5}));
  CHECK_THROWS_CODE(E_SHAPE, run("Gemm", {&a, &b}, ta));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
