// Engine-level tests: hashing, ISA selection, the floating-point environment,
// the thread pool, argument checking, and the binary op family.
#include <algorithm>
#include <atomic>
#include <cfloat>
#include <map>
#include <cstdlib>

#include "core/fpenv.h"
#include "engine/selftest.h"
#include "ops/op.h"
#include "core/thread_pool.h"
#include "test_util.h"

using namespace aivm;
using namespace aivm_test;

TEST(keccak256_known_vectors) {
  // Published Keccak-256 digests (Ethereum's keccak256), not this code's output.
  CHECK(hex(keccak256(nullptr, 0)) == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  const char* abc = "abc";
  CHECK(hex(keccak256(reinterpret_cast<const uint8_t*>(abc), 3)) ==
        "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  // Longer than one 136-byte block: 200 bytes of 'a' hashed whole and the
  // streaming hasher over a tensor must agree.
  std::vector<uint8_t> a(200, 'a');
  Tensor t = make_tensor(DType::BOOL, {200});
  for (int i = 0; i < 200; ++i) t.ptr<uint8_t>()[i] = 1;
  std::vector<uint8_t> enc = encode_tensors({&t});
  CHECK(hex(keccak256(enc.data(), enc.size())) == hex(hash_tensors({&t})));
}

TEST(hash_canonicalizes_nan) {
  Tensor a = tensor_f32({2}, {1.0f, 0.0f});
  Tensor b = tensor_f32({2}, {1.0f, 0.0f});
  uint32_t nan1 = 0x7FC00000u, nan2 = 0xFFC12345u;
  std::memcpy(&a.ptr<float>()[1], &nan1, 4);
  std::memcpy(&b.ptr<float>()[1], &nan2, 4);
  CHECK(hex(hash_tensors({&a})) == hex(hash_tensors({&b})));
  Tensor c = tensor_f32({2}, {1.0f, -0.0f});
  Tensor d = tensor_f32({2}, {1.0f, 0.0f});
  CHECK(hex(hash_tensors({&c})) != hex(hash_tensors({&d})));  // signed zeros are distinct
  Tensor e = tensor_f32({1, 2}, {1.0f, 0.0f});
  CHECK(hex(hash_tensors({&d})) != hex(hash_tensors({&e})));  // shape is part of the hash
}

// The encoding of docs/HASHING.md for every dtype, byte by byte: each float
// format's NaNs written as its canonical NaN, bool as 0/1, the rest raw.
TEST(hash_encoding_of_every_dtype) {
  struct Case {
    DType d;
    std::vector<uint64_t> in, out;  // element bit patterns
  };
  const Case cases[] = {
      {DType::F16, {0x7C01, 0xFE00, 0x7C00, 0x8000, 0x3C00}, {0x7E00, 0x7E00, 0x7C00, 0x8000, 0x3C00}},
      {DType::BF16, {0x7F81, 0xFFC0, 0x7F80, 0x8000, 0x3F80}, {0x7FC0, 0x7FC0, 0x7F80, 0x8000, 0x3F80}},
      {DType::F64, {0x7FF0000000000001ull, 0xFFF8000000000000ull, 0x7FF0000000000000ull, 1ull << 63, 1},
       {0x7FF8000000000000ull, 0x7FF8000000000000ull, 0x7FF0000000000000ull, 1ull << 63, 1}},
      {DType::F32, {0x7F800001, 0xFFC12345, 0x7F800000, 0x80000000, 1}, {0x7FC00000, 0x7FC00000, 0x7F800000, 0x80000000, 1}},
      {DType::BOOL, {0, 1, 2, 255, 0}, {0, 1, 1, 1, 0}},
      {DType::U16, {0x7C01, 0xFE00, 0, 0xFFFF, 1}, {0x7C01, 0xFE00, 0, 0xFFFF, 1}},
      {DType::I8, {0x80, 0xFF, 0, 0x7F, 1}, {0x80, 0xFF, 0, 0x7F, 1}},
      {DType::U64, {~0ull, 1ull << 63, 0, 7, 1}, {~0ull, 1ull << 63, 0, 7, 1}},
  };
  for (const Case& c : cases) {
    const size_t w = dtype_size(c.d);
    Tensor t = make_tensor(c.d, {5});
    for (size_t i = 0; i < 5; ++i) std::memcpy(t.ptr<uint8_t>() + i * w, &c.in[i], w);
    std::vector<uint8_t> want = {'A', 'I', 'V', 'M', 'T', 'N', 'S', '1', 1, 0, 0, 0};
    for (uint32_t v : {uint32_t(c.d), 1u}) for (int k = 0; k < 4; ++k) want.push_back(uint8_t(v >> (8 * k)));
    for (int k = 0; k < 8; ++k) want.push_back(k == 0 ? 5 : 0);
    for (uint64_t v : c.out) for (size_t k = 0; k < w; ++k) want.push_back(uint8_t(v >> (8 * k)));
    CHECK_MSG(encode_tensors({&t}) == want, dtype_name(c.d));
    CHECK(hex(keccak256(want.data(), want.size())) == hex(hash_tensors({&t})));
  }
}

TEST(isa_selection) {
  std::vector<Isa> isas = available_isas();
  CHECK(!isas.empty() && isas[0] == Isa::SCALAR);
  CHECK(resolve_isa("scalar") == Isa::SCALAR);
  CHECK_THROWS_CODE(E_ISA_UNAVAILABLE, resolve_isa("sse9"));
#if defined(__x86_64__)
  CHECK_THROWS_CODE(E_ISA_UNAVAILABLE, resolve_isa("neon"));
#endif
  setenv("AIVM_ISA", "scalar", 1);
  CHECK(default_isa() == Isa::SCALAR);
  setenv("AIVM_ISA", "bogus", 1);
  CHECK_THROWS_CODE(E_ISA_UNAVAILABLE, default_isa());
  unsetenv("AIVM_ISA");
  // The default is the widest CPU ISA: cuda only when asked for by name.
  Isa widest_cpu = Isa::SCALAR;
  for (Isa i : isas) widest_cpu = i == Isa::CUDA ? widest_cpu : i;
  CHECK(default_isa() == widest_cpu);
#if defined(AIVM_CUDA_EMULATE)
  CHECK(isas.back() == Isa::CUDA && resolve_isa("cuda") == Isa::CUDA);
#elif !defined(AIVM_HAVE_CUDA)
  CHECK_THROWS_CODE(E_ISA_UNAVAILABLE, resolve_isa("cuda"));
#endif
}

TEST(every_isa_has_every_op) {
  for (Isa isa : available_isas()) {
    CHECK_MSG(op_names_for(isa) == op_names(), std::string(isa_name(isa)) + " lacks ops of the op list");
  }
}

// The op list (native/ops/op_list.h) is the one source: every op has a contract,
// and self-test cases exactly when it is not one of AIVM_OPS_OUTSIDE_SELFTEST.
TEST(every_op_has_a_contract_and_selftest_cases) {
  std::map<std::string, int> cases;
  for (const auto& c : aivm::selftest_cases()) ++cases[c.op];
  const std::vector<std::string> covers = aivm::selftest_op_names();
  CHECK(cases.size() == covers.size());
  CHECK(int(op_names().size()) == aivm::kOpCount);
  for (int i = 0; i < aivm::kOpCount; ++i) {
    aivm::OpId id = aivm::OpId(i), found;
    const std::string name = aivm::op_name(id);
    CHECK_MSG(aivm::find_op(name, &found) && found == id, name + ": find_op does not give it back");
    CHECK_MSG(aivm::op_contract(id).infer != nullptr, name + ": no contract");
    bool covered = std::find(covers.begin(), covers.end(), name) != covers.end();
    CHECK_MSG(covered == (cases[name] > 0), name + (covered ? ": no self-test cases (native/engine/selftest_" +
                                                                  std::string(aivm::op_family(id)) + ".cc)"
                                                            : ": has self-test cases but is outside the self-test"));
  }
  aivm::OpId none;
  CHECK(!aivm::find_op("Nope", &none) && !aivm::find_op("", &none) && !aivm::find_op("relu", &none));
}

TEST(strict_fpenv_on_every_engine_thread) {
  enter_strict_fpenv();
  CHECK(strict_fpenv_active());
  // Subnormals survive arithmetic (FTZ/DAZ off): FLT_MIN / 2 is not zero.
  volatile float tiny = FLT_MIN;
  volatile float half = tiny / 2.0f;
  CHECK(half != 0.0f);
  ThreadPool pool;
  std::atomic<int> strict{0}, chunks{0};
  pool.parallel_for(4, 1, 4, [&](int64_t, int64_t) {
    chunks++;
    if (strict_fpenv_active()) strict++;
  });
  CHECK(chunks == 4 && strict == 4);
}

TEST(thread_pool_covers_range_once) {
  ThreadPool pool;
  for (int threads : {1, 2, 3, 4, 7}) {
    for (int64_t n : {1, 2, 5, 100, 1001}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      pool.parallel_for(n, 1, threads, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;
      });
      bool once = true;
      for (auto& h : hits) once = once && h == 1;
      CHECK_MSG(once, "n=" + std::to_string(n) + " threads=" + std::to_string(threads));
    }
  }
  // An exception in a worker chunk reaches the caller and the pool stays usable.
  bool caught = false;
  try {
    pool.parallel_for(4, 1, 4, [&](int64_t b, int64_t) {
      if (b >= 2) throw Error(ErrorCode::E_VALUE, "boom");
    });
  } catch (const Error& e) {
    caught = e.code() == ErrorCode::E_VALUE;
  }
  CHECK(caught);
  std::atomic<int> after{0};
  pool.parallel_for(4, 1, 4, [&](int64_t b, int64_t e) { after += int(e - b); });
  CHECK(after == 4);
}

TEST(engine_argument_checks) {
  Tensor a = tensor_f32({2}, {1, 2});
  CHECK_THROWS_CODE(E_UNSUPPORTED_OP, run("NoSuchOp", {&a}));
  CHECK_THROWS_CODE(E_ARITY, run("Add", {&a}));
  CHECK_THROWS_CODE(E_THREADS, run("Add", {&a, &a}, {}, Isa::SCALAR, 0));
  CHECK_THROWS_CODE(E_THREADS, run("Add", {&a, &a}, {}, Isa::SCALAR, 100000));
  Attrs bad;
  bad.set("alpha", attr_float(1.0f));
  CHECK_THROWS_CODE(E_ATTR, run("Add", {&a, &a}, bad));
  Tensor negative;
  negative.shape = {-1};
  negative.data = a.data;
  CHECK_THROWS_CODE(E_SHAPE, run("Add", {&negative, &a}));
  Tensor huge;
  huge.shape = {int64_t(1) << 40, int64_t(1) << 40};
  huge.data = a.data;
  CHECK_THROWS_CODE(E_TOO_LARGE, run("Add", {&huge, &a}));
}

// ---- Binary family -------------------------------------------------------------

static std::vector<double> reference_binary(const Tensor& a, const Tensor& b, const Shape& out,
                                            double (*f)(double, double)) {
  int64_t n = 1;
  for (auto d : out) n *= d;
  std::vector<double> r(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    r[size_t(i)] = f(a.ptr<float>()[broadcast_source(out, a.shape, i)], b.ptr<float>()[broadcast_source(out, b.shape, i)]);
  }
  return r;
}

TEST(binary_arith_matches_float64_reference) {
  // One correctly rounded operation per element: the float64 result rounded once
  // is the exact answer, so the tolerance is half an ulp.
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{1023}, {1023}}, {{3, 1, 31}, {7, 1}}, {{17, 1}, {1, 33}}, {{1000}, {}}, {{2, 3, 4, 5}, {4, 1}}};
  struct Op { const char* name; double (*f)(double, double); };
  const Op ops[] = {{"Add", [](double x, double y) { return x + y; }},
                    {"Sub", [](double x, double y) { return x - y; }},
                    {"Mul", [](double x, double y) { return x * y; }},
                    {"Div", [](double x, double y) { return x / y; }}};
  uint64_t stream = 1;
  for (const Op& op : ops) {
    for (const auto& s : shapes) {
      Tensor a = random_f32(s.first, stream++, 10.0f), b = random_f32(s.second, stream++, 10.0f);
      std::vector<Tensor> out = run_everywhere(op.name, {&a, &b});
      check_close(out[0], reference_binary(a, b, out[0].shape, op.f), 0.5, 0.0, op.name);
    }
  }
}

// PRelu, the worked example of docs/ADDING_AN_OP.md: x < 0 ? slope * x : x is
// one correctly rounded multiply where x is negative and x itself elsewhere, so
// it equals the float64 result rounded once, exactly (0 ulp); run_everywhere
// checks every ISA x threads gives the scalar bits.
TEST(prelu_matches_float64_reference) {
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{1023}, {1023}}, {{2, 3, 31}, {3, 1}}, {{4, 17, 33}, {33}}, {{1000}, {}}, {{2, 3, 4, 5}, {1, 1, 5}}, {{0, 3}, {3}}};
  uint64_t stream = 401;
  for (const auto& s : shapes) {
    Tensor x = random_f32(s.first, stream++, 10.0f), slope = random_f32(s.second, stream++, 2.0f);
    std::vector<Tensor> out = run_everywhere("PRelu", {&x, &slope});
    CHECK(out[0].shape == x.shape);
    std::vector<double> ref = reference_binary(x, slope, out[0].shape, [](double v, double a) { return v < 0 ? a * v : v; });
    for (double& r : ref) r = double(float(r));  // rounded once to float32: the exact answer
    check_close(out[0], ref, 0.0, 0.0, "PRelu " + shape_str(s.first));
  }
  // Signed zeros pass unchanged, NaN (in X, or a slope used by a negative X) is
  // the canonical NaN, infinities follow IEEE multiplication.
  Tensor x = tensor_f32({6}, {-0.0f, 0.0f, kNaN, -kInf, -2.0f, kInf});
  Tensor slope = tensor_f32({6}, {3.0f, 3.0f, 1.0f, 0.5f, kNaN, -1.0f});
  std::vector<Tensor> y = run_everywhere("PRelu", {&x, &slope});
  const float* p = y[0].ptr<float>();
  CHECK(bits_of(p[0]) == 0x80000000u && bits_of(p[1]) == 0u);
  CHECK(bits_of(p[2]) == kCanonNan && bits_of(p[4]) == kCanonNan);
  CHECK(p[3] == -kInf && p[5] == kInf);
  // slope must broadcast to X without growing it, and both are float32.
  Tensor wide = random_f32({2, 5}, 420);
  Tensor row = random_f32({5}, 421);
  Tensor ints = tensor_i64({5}, {1, 2, 3, 4, 5});
  CHECK_THROWS_CODE(E_SHAPE, run("PRelu", {&row, &wide}));
  CHECK_THROWS_CODE(E_DTYPE, run("PRelu", {&row, &ints}));
  CHECK_THROWS_CODE(E_ARITY, run("PRelu", {&row}));
}

TEST(binary_special_values_and_ints) {
  Tensor a = tensor_f32({4}, {INFINITY, -0.0f, 1.0f, NAN});
  Tensor b = tensor_f32({4}, {INFINITY, 0.0f, 0.0f, 1.0f});
  std::vector<Tensor> sub = run_everywhere("Sub", {&a, &b});
  CHECK(std::isnan(sub[0].ptr<float>()[0]));         // inf - inf
  CHECK(!std::signbit(sub[0].ptr<float>()[1]) == false);  // -0 - +0 = -0
  std::vector<Tensor> div = run_everywhere("Div", {&a, &b});
  CHECK(div[0].ptr<float>()[2] == INFINITY);         // 1 / +0
  std::vector<Tensor> eq = run_everywhere("Equal", {&a, &a});
  CHECK(eq[0].dtype == DType::BOOL && eq[0].ptr<uint8_t>()[3] == 0);  // NaN != NaN
  CHECK(eq[0].ptr<uint8_t>()[1] == 1);
  Tensor i = tensor_i64({3}, {INT64_MAX, -7, 7});
  Tensor j = tensor_i64({3}, {1, 2, -2});
  std::vector<Tensor> add = run_everywhere("Add", {&i, &j});
  CHECK(add[0].ptr<int64_t>()[0] == INT64_MIN);  // wraps
  std::vector<Tensor> q = run_everywhere("Div", {&i, &j});
  CHECK(q[0].ptr<int64_t>()[1] == -3 && q[0].ptr<int64_t>()[2] == -3);  // truncation
  Tensor zero = tensor_i64({3}, {1, 0, 1});
  CHECK_THROWS_CODE(E_VALUE, run("Div", {&i, &zero}));
}

TEST(binary_errors) {
  Tensor f = tensor_f32({3}, {1, 2, 3});
  Tensor g = tensor_f32({4}, {1, 2, 3, 4});
  Tensor i = tensor_i64({3}, {1, 2, 3});
  CHECK_THROWS_CODE(E_SHAPE, run("Add", {&f, &g}));
  CHECK_THROWS_CODE(E_DTYPE, run("Mul", {&f, &i}));
  CHECK_THROWS_CODE(E_DTYPE, run("Where", {&f, &f, &f}));
  Tensor c = make_tensor(DType::BOOL, {3});
  CHECK_THROWS_CODE(E_DTYPE, run("Where", {&c, &f, &i}));
  CHECK_THROWS_CODE(E_DTYPE, run("Pow", {&i, &f}));
}

TEST(where_and_compare_broadcast) {
  Tensor c = make_tensor(DType::BOOL, {2, 1});
  c.ptr<uint8_t>()[0] = 1;
  Tensor x = tensor_f32({3}, {1, 2, 3});
  Tensor y = tensor_f32({1}, {-1});
  std::vector<Tensor> w = run_everywhere("Where", {&c, &x, &y});
  CHECK(w[0].shape == Shape({2, 3}));
  const float expect[6] = {1, 2, 3, -1, -1, -1};
  CHECK(std::memcmp(w[0].data, expect, sizeof(expect)) == 0);
  std::vector<Tensor> lt = run_everywhere("Less", {&x, &y});
  CHECK(lt[0].ptr<uint8_t>()[0] == 0);
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
