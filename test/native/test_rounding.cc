// Floor, Ceil, Round, Sign, IsNaN and IsInf (added in issue 13). The float
// results are exact, so each is checked against the C library's own function
// (std::floor, std::ceil, std::nearbyint in the default round-to-nearest-even
// mode, std::isnan, std::isinf) on a sweep of the float32 bit patterns, and
// every ISA x 1-4 threads must give the scalar run's bytes (run_everywhere).
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "test_util.h"

using aivm::DType;
using aivm::Tensor;
using namespace aivm_test;

namespace {

// Every `step`-th float32 bit pattern (all signs, exponents, NaNs and infinities).
Tensor bit_sweep(uint32_t step) {
  std::vector<float> v;
  for (uint64_t u = 0; u <= 0xFFFFFFFFull; u += step) v.push_back(from_bits(uint32_t(u)));
  const float max = std::numeric_limits<float>::max(), tiny = std::numeric_limits<float>::denorm_min();
  for (float x : {0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 8388607.5f, -8388607.5f, 8388608.0f, 0.49999997f, -0.49999997f,
                  -0x1p-26f, 0x1p-26f, -0.0f, 0.0f, kInf, -kInf, max, -max, tiny, -tiny, from_bits(0xFFC00001u),
                  from_bits(0x7F800001u), 4194303.5f, -4194304.5f}) {
    v.push_back(x);
  }
  return tensor_f32({int64_t(v.size())}, v);
}

// The expected float output: the reference's bits, NaN as the canonical NaN.
uint32_t expected_bits(double r) { return std::isnan(r) ? kCanonNan : bits_of(float(r)); }

}  // namespace

TEST(floor_ceil_round_match_the_c_library) {
  CHECK(std::fegetround() == FE_TONEAREST);
  Tensor x = bit_sweep(4099);
  const float* in = x.ptr<float>();
  struct Case {
    const char* op;
    float (*ref)(float);
  };
  for (Case c : {Case{"Floor", [](float v) { return std::floor(v); }}, Case{"Ceil", [](float v) { return std::ceil(v); }},
                 Case{"Round", [](float v) { return std::nearbyint(v); }}}) {
    std::vector<Tensor> y = run_everywhere(c.op, {&x});
    const float* out = y[0].ptr<float>();
    int64_t wrong = 0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      if (bits_of(out[i]) != expected_bits(c.ref(in[i]))) {
        if (wrong++ < 5) CHECK_MSG(false, std::string(c.op) + "(" + std::to_string(in[i]) + ") = " + std::to_string(out[i]));
      }
    }
    CHECK_MSG(wrong == 0, std::string(c.op) + ": " + std::to_string(wrong) + " wrong of " + std::to_string(x.numel()));
  }
  // Written out: halves to even, signed zeros kept.
  Tensor h = tensor_f32({6}, {0.5f, 1.5f, 2.5f, -2.5f, -0.4f, -0.0f});
  std::vector<Tensor> r = run_everywhere("Round", {&h});
  const float* p = r[0].ptr<float>();
  CHECK(p[0] == 0.0f && p[1] == 2.0f && p[2] == 2.0f && p[3] == -2.0f);
  CHECK(bits_of(p[4]) == 0x80000000u && bits_of(p[5]) == 0x80000000u);
}

TEST(sign) {
  Tensor x = tensor_f32({7}, {3.5f, -0.25f, 0.0f, -0.0f, kInf, -kInf, kNaN});
  std::vector<Tensor> y = run_everywhere("Sign", {&x});
  const float* p = y[0].ptr<float>();
  CHECK(p[0] == 1.0f && p[1] == -1.0f && bits_of(p[2]) == 0u && bits_of(p[3]) == 0u && p[4] == 1.0f && p[5] == -1.0f);
  CHECK(bits_of(p[6]) == kCanonNan);
  const int64_t lo = std::numeric_limits<int64_t>::min();
  Tensor i = tensor_i64({4}, {lo, -7, 0, 9});
  const std::vector<Tensor> q_out = run_everywhere("Sign", {&i});
  const int64_t* q = q_out[0].ptr<int64_t>();
  CHECK(q[0] == -1 && q[1] == -1 && q[2] == 0 && q[3] == 1);
  Tensor j = tensor_i32({3}, {std::numeric_limits<int32_t>::max(), 0, -1});
  const std::vector<Tensor> s_out = run_everywhere("Sign", {&j});
  const int32_t* s = s_out[0].ptr<int32_t>();
  CHECK(s[0] == 1 && s[1] == 0 && s[2] == -1);
}

TEST(is_nan_and_is_inf) {
  Tensor x = bit_sweep(65537);
  const float* in = x.ptr<float>();
  int64_t infinities = 0;
  for (int64_t i = 0; i < x.numel(); ++i) infinities += std::isinf(in[i]);
  CHECK(infinities == 2);
  std::vector<Tensor> nan = run_everywhere("IsNaN", {&x});
  CHECK(nan[0].dtype == DType::BOOL);
  for (int detect_neg : {0, 1}) {
    for (int detect_pos : {0, 1}) {
      aivm::Attrs attrs;  // any non-zero value is true
      attrs.set("detect_negative", attr_int(detect_neg * 7));
      attrs.set("detect_positive", attr_int(detect_pos));
      std::vector<Tensor> inf = run_everywhere("IsInf", {&x}, attrs);
      bool ok = true;
      for (int64_t i = 0; i < x.numel(); ++i) {
        const bool want = std::isinf(in[i]) && (std::signbit(in[i]) ? detect_neg : detect_pos);
        ok = ok && inf[0].ptr<uint8_t>()[i] == uint8_t(want) && nan[0].ptr<uint8_t>()[i] == uint8_t(std::isnan(in[i]));
      }
      CHECK_MSG(ok, "IsInf/IsNaN against std::isinf/std::isnan, detect " + std::to_string(detect_neg) + std::to_string(detect_pos));
    }
  }
  Tensor f = tensor_f32({1}, {1.0f}), i = tensor_i32({1}, {1});
  CHECK_THROWS_CODE(E_DTYPE, run("IsNaN", {&i}));
  CHECK_THROWS_CODE(E_DTYPE, run("Floor", {&i}));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
