// A small test harness for the native tests (one executable per test_*.cc, run
// by ctest). TEST registers a case; CHECK records a failure and continues.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "aivm/engine.h"
#include "aivm/hash.h"
#include "core/rng.h"
#include "engine/selftest.h"

namespace aivm_test {

struct Case {
  const char* name;
  std::function<void()> fn;
};
inline std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}
inline int& failures() {
  static int n = 0;
  return n;
}
struct Register {
  Register(const char* name, std::function<void()> fn) { cases().push_back({name, std::move(fn)}); }
};

#define AIVM_CAT2(a, b) a##b
#define AIVM_CAT(a, b) AIVM_CAT2(a, b)
#define TEST(name)                                                          \
  static void name();                                                       \
  static aivm_test::Register AIVM_CAT(reg_, name)(#name, name);             \
  static void name()

#define CHECK(cond)                                                                     \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
      ++aivm_test::failures();                                                          \
    }                                                                                   \
  } while (0)

#define CHECK_MSG(cond, msg)                                                            \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "  FAIL %s:%d: %s (%s)\n", __FILE__, __LINE__, #cond,       \
                   std::string(msg).c_str());                                           \
      ++aivm_test::failures();                                                          \
    }                                                                                   \
  } while (0)

// Expects fn to throw aivm::Error with the given code.
#define CHECK_THROWS_CODE(code_, expr)                                                  \
  do {                                                                                  \
    bool thrown_ = false;                                                               \
    try {                                                                               \
      expr;                                                                             \
    } catch (const aivm::Error& e_) {                                                   \
      thrown_ = true;                                                                   \
      CHECK_MSG(e_.code() == aivm::ErrorCode::code_, e_.what());                        \
    }                                                                                   \
    CHECK_MSG(thrown_, "expected " #code_ " from " #expr);                              \
  } while (0)

inline int run_all(int argc, char** argv) {
  const char* only = argc > 1 ? argv[1] : nullptr;
  int ran = 0;
  for (const auto& c : cases()) {
    if (only && std::strstr(c.name, only) == nullptr) continue;
    int before = failures();
    try {
      c.fn();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "  FAIL %s: unexpected exception: %s\n", c.name, e.what());
      ++failures();
    }
    std::printf("%s %s\n", failures() == before ? "ok  " : "FAIL", c.name);
    ++ran;
  }
  std::printf("%d cases, %d failed checks\n", ran, failures());
  return failures() == 0 ? 0 : 1;
}

// ---- Float bits ------------------------------------------------------------------

inline constexpr float kInf = std::numeric_limits<float>::infinity();
inline constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
inline constexpr uint32_t kCanonNan = 0x7FC00000u;  // the one NaN every op returns

// The bits of a float.
inline uint32_t bits_of(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}

// The float with the given bits.
inline float from_bits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

// Same bits, or both NaN (NaN payloads are canonicalized by the hash).
inline bool same_bits_or_nan(float a, float b) { return (std::isnan(a) && std::isnan(b)) || bits_of(a) == bits_of(b); }

// ---- Attributes ----------------------------------------------------------------
// AttrValue builders: the engine self-test's (engine/selftest.h).
using aivm::attr_float;
using aivm::attr_int;
using aivm::attr_ints;
using aivm::attr_string;

// Attrs holding the one attribute name = v.
inline aivm::Attrs attrs1(const char* name, aivm::AttrValue v) {
  aivm::Attrs a;
  a.set(name, std::move(v));
  return a;
}

// ---- Tensors -----------------------------------------------------------------

// A tensor of the given dtype and shape from row-major values of its element type (may be empty).
template <class T>
inline aivm::Tensor tensor_of(aivm::DType dtype, const aivm::Shape& shape, const std::vector<T>& values) {
  aivm::Tensor t = aivm::make_tensor(dtype, shape);
  if (!values.empty()) std::memcpy(t.data, values.data(), values.size() * sizeof(T));
  return t;
}
// F32, I64, I32 and BOOL (0/1 bytes) tensors from values.
inline aivm::Tensor tensor_f32(const aivm::Shape& shape, const std::vector<float>& values) {
  return tensor_of(aivm::DType::F32, shape, values);
}
inline aivm::Tensor tensor_i64(const aivm::Shape& shape, const std::vector<int64_t>& values) {
  return tensor_of(aivm::DType::I64, shape, values);
}
inline aivm::Tensor tensor_i32(const aivm::Shape& shape, const std::vector<int32_t>& values) {
  return tensor_of(aivm::DType::I32, shape, values);
}
inline aivm::Tensor tensor_bool(const aivm::Shape& shape, const std::vector<uint8_t>& values) {
  return tensor_of(aivm::DType::BOOL, shape, values);
}

// A 1-D int64 tensor of values (e.g. axes, split sizes).
inline aivm::Tensor vector_i64(const std::vector<int64_t>& values) {
  return tensor_i64({int64_t(values.size())}, values);
}

// Float tensor filled from the counter-based generator, scaled to [-scale, scale).
inline aivm::Tensor random_f32(const aivm::Shape& shape, uint64_t stream, float scale = 1.0f) {
  aivm::Tensor t = aivm::make_tensor(aivm::DType::F32, shape);
  float* p = t.ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = aivm::rng_f32(1, stream, uint64_t(i)) * scale;
  return t;
}

// random_f32(shape, stream, 4) with about 1 element in 8 (rng key `key`) replaced
// by specials[(r >> shift) % size].
inline aivm::Tensor with_specials(const aivm::Shape& shape, uint64_t stream, const std::vector<float>& specials,
                                  uint64_t key, int shift) {
  aivm::Tensor t = random_f32(shape, stream, 4.0f);
  float* p = t.ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    uint64_t r = aivm::rng_u64(key, stream, uint64_t(i));
    if ((r & 7) == 0) p[i] = specials[(r >> shift) % specials.size()];
  }
  return t;
}

// The elements of a float tensor as doubles.
inline std::vector<double> to_double(const aivm::Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = t.ptr<float>()[i];
  return v;
}

// Same dtype, shape and bytes.
inline bool same_bits(const aivm::Tensor& a, const aivm::Tensor& b) {
  return a.dtype == b.dtype && a.shape == b.shape && std::memcmp(a.data, b.data, a.nbytes()) == 0;
}

// The element of `in` that numpy broadcasting sends to output element i (row-major
// index arithmetic, independent of the engine's broadcasting code).
inline int64_t broadcast_source(const aivm::Shape& out, const aivm::Shape& in, int64_t i) {
  int64_t src = 0, stride = 1;
  for (int d = int(out.size()) - 1; d >= 0; --d) {
    const int64_t coord = i % out[size_t(d)];
    i /= out[size_t(d)];
    const int din = d - int(out.size() - in.size());
    if (din < 0) continue;
    const int64_t dim = in[size_t(din)];
    src += (dim == 1 ? 0 : coord) * stride;
    stride *= dim;
  }
  return src;
}

// ---- Running ops ---------------------------------------------------------------

inline aivm::Engine& engine() {
  static aivm::Engine e;
  return e;
}

inline std::vector<aivm::Tensor> run(const std::string& op, const std::vector<const aivm::Tensor*>& inputs,
                                     const aivm::Attrs& attrs = {}, aivm::Isa isa = aivm::Isa::SCALAR,
                                     int threads = 1) {
  return engine().run_op(op, inputs, attrs, isa, threads);
}

// Runs op on scalar with 1 thread (the specification), then on every available
// ISA with 1, 2, 3 and 4 threads, and checks every output is bit-identical.
// Returns the scalar outputs.
inline std::vector<aivm::Tensor> run_everywhere(const std::string& op,
                                                const std::vector<const aivm::Tensor*>& inputs,
                                                const aivm::Attrs& attrs = {}) {
  std::vector<aivm::Tensor> spec = run(op, inputs, attrs);
  for (aivm::Isa isa : aivm::available_isas()) {
    for (int threads : {1, 2, 3, 4}) {
      std::vector<aivm::Tensor> got = run(op, inputs, attrs, isa, threads);
      bool equal = got.size() == spec.size();
      for (size_t i = 0; equal && i < got.size(); ++i) equal = same_bits(got[i], spec[i]);
      CHECK_MSG(equal, op + " on " + aivm::isa_name(isa) + " x" + std::to_string(threads) +
                           " threads differs from scalar");
    }
  }
  return spec;
}

// Runs a self-test case (engine/selftest.h) through run_everywhere; omitted
// optional inputs are passed as null.
inline std::vector<aivm::Tensor> run_case_everywhere(const aivm::SelftestCase& c) {
  std::vector<const aivm::Tensor*> in;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    bool omitted = i < c.omitted.size() && c.omitted[i];
    in.push_back(omitted ? nullptr : &c.inputs[i]);
  }
  return run_everywhere(c.op, in, c.attrs);
}

// One case for each op outside the self-test (ops/op_list.h
// AIVM_OPS_OUTSIDE_SELFTEST): with selftest_cases(), a valid call of every op.
inline aivm::CaseList outside_selftest_cases() {
  aivm::CaseList out;
  out.push_back({"Expand", {random_f32({3, 1}, 30), vector_i64({2, 3, 5})}, {}, {}});
  out.push_back({"PRelu", {random_f32({2, 3, 4}, 32), random_f32({3, 1}, 33)}, {}, {}});
  out.push_back({"Not", {tensor_bool({2, 2}, {0, 1, 1, 0})}, {}, {}});
  for (const char* op : {"Floor", "Ceil", "Round", "Sign", "IsNaN", "IsInf"}) out.push_back({op, {random_f32({3, 2}, 36)}, {}, {}});
  for (const char* op : {"Min", "Max", "Sum", "Mean"}) {
    out.push_back({op, {random_f32({2, 3}, 37), random_f32({3}, 38), random_f32({2, 1}, 39)}, {}, {}});
  }
  out.push_back({"Mod", {random_f32({2, 3}, 40), random_f32({3}, 41)}, {}, attrs1("fmod", attr_int(1))});
  for (const char* op : {"HardSigmoid", "HardSwish"}) out.push_back({op, {random_f32({3, 2}, 44)}, {}, {}});
  for (const char* op : {"ArgMax", "ArgMin"}) out.push_back({op, {random_f32({3, 4}, 45)}, {}, attrs1("axis", attr_int(-1))});
  out.push_back({"Pad", {random_f32({2, 3}, 46), vector_i64({1, 0, 2, 1}), tensor_f32({}, {0.5f})}, {}, attrs1("mode", attr_string("reflect"))});
  out.push_back({"Resize", {random_f32({1, 1, 2, 3}, 47), tensor_f32({0}, {}), tensor_f32({4}, {1, 1, 2, 1.5f})}, {}, attrs1("mode", attr_string("linear"))});
  out.push_back({"RMSNormalization", {random_f32({2, 3, 4}, 48), random_f32({4}, 49)}, {}, {}});
  out.push_back({"Trilu", {random_f32({2, 3, 4}, 42), vector_i64({1})}, {}, {}});
  out.push_back({"GatherElements", {random_f32({3, 4}, 43), tensor_i64({2, 2}, {0, 2, 1, 0})}, {}, attrs1("axis", attr_int(1))});
  for (const char* op : {"GreaterOrEqual", "LessOrEqual"}) out.push_back({op, {random_f32({2, 3}, 34), random_f32({3}, 35)}, {}, {}});
  for (const char* op : {"And", "Or", "Xor"}) out.push_back({op, {tensor_bool({2, 1}, {0, 1}), tensor_bool({3}, {1, 0, 1})}, {}, {}});
  for (const char* op : {"BitwiseAnd", "BitwiseOr", "BitwiseXor"}) {
    out.push_back({op, {tensor_i64({2, 3}, {5, -1, 0, 12, INT64_MIN, 7}), tensor_i64({3}, {3, 6, -9})}, {}, {}});
  }
  out.push_back({"BitwiseNot", {tensor_i32({2, 2}, {0, -1, 5, INT32_MIN})}, {}, {}});
  for (const char* op : {"Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh"}) {
    out.push_back({op, {random_f32({3, 2}, 50)}, {}, {}});
  }
  out.push_back({"BitShift", {tensor_i64({2, 3}, {1, -1, 255, 3, 7, 1}), tensor_i64({3}, {1, 63, 64})}, {}, attrs1("direction", attr_string("LEFT"))});
  out.push_back({"BitShift", {tensor_i32({2, 3}, {-1, 255, 8, 3, 7, 1}), tensor_i32({3}, {1, 31, -1})}, {}, attrs1("direction", attr_string("RIGHT"))});
  out.push_back({"ScatterElements", {random_f32({3, 4}, 51), tensor_i64({2, 2}, {0, -1, 1, 0}), random_f32({2, 2}, 52)}, {},
                 attrs1("reduction", attr_string("add"))});
  out.push_back({"ScatterND", {random_f32({4, 3}, 53), tensor_i64({2, 1}, {1, -1}), random_f32({2, 3}, 54)}, {}, {}});
  out.push_back({"TensorScatter", {random_f32({2, 5, 3}, 55), random_f32({2, 2, 3}, 56), vector_i64({0, 3})}, {}, {}});
  out.push_back({"TopK", {random_f32({3, 4}, 57), vector_i64({2})}, {}, attrs1("largest", attr_int(0))});
  out.push_back({"BitCast", {random_f32({2, 3}, 58)}, {}, attrs1("to", attr_int(6))});
  return out;
}

// ---- Accuracy against a float64 reference ----------------------------------------

// The documented canonical float sum (docs/numerics): 16 partial sums starting
// at -0, element i -> partial i % 16, tree 8/4/2/1; empty = +0.
inline float doc_canonical_sum(const std::vector<float>& v) {
  if (v.empty()) return 0.0f;
  float acc[16];
  for (float& a : acc) a = -0.0f;
  for (size_t i = 0; i < v.size(); ++i) acc[i % 16] += v[i];
  for (int w = 8; w >= 1; w /= 2)
    for (int j = 0; j < w; ++j) acc[j] += acc[j + w];
  return acc[0];
}

// Higham's gamma_K = K u / (1 - K u), u = 2^-24: a K-term float fma chain is off
// by at most gamma_K * sum|terms| (Thm 3.1; an fma step rounds once).
inline double fma_chain_gamma(int64_t K) {
  const double u = std::ldexp(1.0, -24);
  return double(K) * u / (1.0 - double(K) * u);
}

// Distance in float32 ulps between got and the float64 reference value.
inline double ulp_error(float got, double ref) {
  if (std::isnan(ref)) return std::isnan(got) ? 0.0 : INFINITY;
  if (std::isinf(ref)) return (double(got) == ref) ? 0.0 : INFINITY;
  double a = std::fabs(ref);
  int e;
  std::frexp(a, &e);                  // a = m * 2^e, m in [0.5, 1)
  int exp_ulp = std::max(e - 24, -149);  // float spacing at a
  return std::fabs(double(got) - ref) / std::ldexp(1.0, exp_ulp);
}

// Checks every element is within max_ulp of the reference, or within abs_tol
// absolutely (for results that cancel, where ulps of a tiny value mean nothing).
inline void check_close(const aivm::Tensor& got, const std::vector<double>& ref, double max_ulp, double abs_tol,
                        const std::string& what) {
  CHECK_MSG(size_t(got.numel()) == ref.size(), what + ": element count");
  if (size_t(got.numel()) != ref.size()) return;
  double worst = 0;
  size_t worst_i = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    float g = got.ptr<float>()[i];
    double err = std::fabs(double(g) - ref[i]) <= abs_tol ? 0.0 : ulp_error(g, ref[i]);
    if (err > worst) {
      worst = err;
      worst_i = i;
    }
  }
  CHECK_MSG(worst <= max_ulp, what + ": " + std::to_string(worst) + " ulp at element " + std::to_string(worst_i) +
                                  " (got " + std::to_string(got.ptr<float>()[worst_i]) + ", reference " +
                                  std::to_string(ref[worst_i]) + ")");
}

}  // namespace aivm_test
