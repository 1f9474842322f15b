// A small test harness for the native tests (one executable per test_*.cc, run
// by ctest). TEST registers a case; CHECK records a failure and continues.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "aivm/engine.h"
#include "aivm/hash.h"
#include "core/rng.h"

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

// ---- Tensors -----------------------------------------------------------------

inline aivm::Tensor tensor_f32(const aivm::Shape& shape, const std::vector<float>& values) {
  aivm::Tensor t = aivm::make_tensor(aivm::DType::F32, shape);
  std::memcpy(t.data, values.data(), values.size() * 4);
  return t;
}

inline aivm::Tensor tensor_i64(const aivm::Shape& shape, const std::vector<int64_t>& values) {
  aivm::Tensor t = aivm::make_tensor(aivm::DType::I64, shape);
  std::memcpy(t.data, values.data(), values.size() * 8);
  return t;
}

// Float tensor filled from the counter-based generator, scaled to [-scale, scale).
inline aivm::Tensor random_f32(const aivm::Shape& shape, uint64_t stream, float scale = 1.0f) {
  aivm::Tensor t = aivm::make_tensor(aivm::DType::F32, shape);
  float* p = t.ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = aivm::rng_f32(1, stream, uint64_t(i)) * scale;
  return t;
}

inline std::vector<double> to_double(const aivm::Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = t.ptr<float>()[i];
  return v;
}

inline bool same_bits(const aivm::Tensor& a, const aivm::Tensor& b) {
  return a.dtype == b.dtype && a.shape == b.shape && std::memcmp(a.data, b.data, a.nbytes()) == 0;
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

// ---- Accuracy against a float64 reference ----------------------------------------

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
