// Mod (added in issue 13). float32 (fmod=1): the exact remainder of the truncated
// division, checked against the C library's fmodf, which IEEE 754 and C define
// exactly (the remainder is representable), so any conforming libm is an
// independent reference; its NaN results are the engine's canonical NaN.
// Integers: truncated (fmod=1) and floored (fmod=0) remainders, checked against
// a definition written again here from the quotient's rounding (long double
// floor of a/b is exact for these ranges). Every ISA x 1-4 threads must give the
// scalar run's bytes.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "test_util.h"

using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

aivm::Attrs fmod_attr(int64_t v) { return attrs1("fmod", attr_int(v)); }

// Floored and truncated remainders from the quotient's definition: q = floor(a/b)
// or trunc(a/b) (exact: a and b fit in 53 bits here), r = a - q*b in 128 bits.
template <class T> T ref_mod(T a, T b, bool floored) {
  const __int128 q128 = __int128(a) / __int128(b);  // truncates toward zero
  __int128 q = q128;
  if (floored && (__int128(a) % __int128(b)) != 0 && ((a < 0) != (b < 0))) q -= 1;
  return T(__int128(a) - q * __int128(b));
}

}  // namespace

TEST(float_mod_is_the_exact_remainder) {
  // Random bit patterns (every class: NaN, infinities, subnormals, zeros) and pairs
  // of close exponents, where the long division runs longest.
  std::mt19937_64 rng(1301);
  const int64_t n = 200003;
  Tensor a = aivm::make_tensor(DType::F32, {n}), b = aivm::make_tensor(DType::F32, {n});
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t u = uint32_t(rng()), v = uint32_t(rng());
    a.ptr<float>()[i] = from_bits(i % 2 ? u : ((u & 0x807fffffu) | (((v >> 23) & 0xffu) + uint32_t(rng() % 9) - 4u) << 23));
    b.ptr<float>()[i] = from_bits(v);
  }
  const std::vector<Tensor> y = run_everywhere("Mod", {&a, &b}, fmod_attr(1));
  int64_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float want = std::fmod(a.ptr<float>()[i], b.ptr<float>()[i]);
    const uint32_t want_bits = std::isnan(want) ? kCanonNan : bits_of(want);
    if (bits_of(y[0].ptr<float>()[i]) != want_bits) ++bad;
  }
  CHECK_MSG(bad == 0, std::to_string(bad) + " of " + std::to_string(n) + " remainders differ from fmodf");
  // Written out: signs, zeros, infinities, a subnormal divisor, a broadcast divisor.
  Tensor x = tensor_f32({8}, {5.5f, -5.5f, 5.5f, -0.0f, 3.0f, kInf, 7.0f, 1.0f});
  Tensor d = tensor_f32({8}, {2.0f, 2.0f, -2.0f, 3.0f, kInf, 2.0f, 0.0f, from_bits(1)});
  const std::vector<Tensor> r = run_everywhere("Mod", {&x, &d}, fmod_attr(1));
  const float* p = r[0].ptr<float>();
  CHECK(p[0] == 1.5f && p[1] == -1.5f && p[2] == 1.5f);
  CHECK(bits_of(p[3]) == 0x80000000u && p[4] == 3.0f);
  CHECK(bits_of(p[5]) == kCanonNan && bits_of(p[6]) == kCanonNan && bits_of(p[7]) == 0u);
  Tensor m = tensor_f32({2, 3}, {-4, -3, -2, 2, 3, 4}), three = tensor_f32({1}, {3.0f});
  const std::vector<Tensor> mb = run_everywhere("Mod", {&m, &three}, fmod_attr(1));
  CHECK((std::vector<float>(mb[0].ptr<float>(), mb[0].ptr<float>() + 6) == std::vector<float>{-1, -0.0f, -2, 2, 0, 1}));
  CHECK(bits_of(mb[0].ptr<float>()[1]) == 0x80000000u);
}

TEST(integer_mod_truncated_and_floored) {
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  std::mt19937_64 rng(1302);
  const int64_t n = 100003;
  Tensor a = aivm::make_tensor(DType::I64, {n}), b = aivm::make_tensor(DType::I64, {n});
  Tensor a32 = aivm::make_tensor(DType::I32, {n}), b32 = aivm::make_tensor(DType::I32, {n});
  for (int64_t i = 0; i < n; ++i) {
    const int64_t special[] = {lo, hi, -1, 1, 0};
    int64_t x = int64_t(rng()) >> (rng() % 60), y = int64_t(rng()) >> (rng() % 63);
    if (i % 7 == 0) x = special[rng() % 5];
    if (i % 11 == 0) y = special[rng() % 4];  // never 0
    if (y == 0) y = 3;
    a.ptr<int64_t>()[i] = x, b.ptr<int64_t>()[i] = y;
    a32.ptr<int32_t>()[i] = int32_t(x >> 32), b32.ptr<int32_t>()[i] = int32_t(y >> 32) == 0 ? -7 : int32_t(y >> 32);
  }
  for (int64_t fmod : {0, 1}) {
    const std::vector<Tensor> y64 = run_everywhere("Mod", {&a, &b}, fmod_attr(fmod));
    const std::vector<Tensor> y32 = run_everywhere("Mod", {&a32, &b32}, fmod_attr(fmod));
    int64_t bad = 0;
    for (int64_t i = 0; i < n; ++i) {
      bad += y64[0].ptr<int64_t>()[i] != ref_mod<int64_t>(a.ptr<int64_t>()[i], b.ptr<int64_t>()[i], fmod == 0);
      bad += y32[0].ptr<int32_t>()[i] != ref_mod<int32_t>(a32.ptr<int32_t>()[i], b32.ptr<int32_t>()[i], fmod == 0);
    }
    CHECK_MSG(bad == 0, "fmod=" + std::to_string(fmod) + ": " + std::to_string(bad) + " remainders differ");
  }
  // Written out (ONNX's examples): the floored remainder takes the divisor's sign.
  Tensor x = tensor_i64({6}, {-4, 7, 5, -4, 7, 5}), d = tensor_i64({6}, {2, -3, 8, -3, 3, -5});
  const std::vector<Tensor> fl = run_everywhere("Mod", {&x, &d}, fmod_attr(0));
  const std::vector<Tensor> tr = run_everywhere("Mod", {&x, &d}, fmod_attr(1));
  CHECK((std::vector<int64_t>(fl[0].ptr<int64_t>(), fl[0].ptr<int64_t>() + 6) == std::vector<int64_t>{0, -2, 5, -1, 1, 0}));
  CHECK((std::vector<int64_t>(tr[0].ptr<int64_t>(), tr[0].ptr<int64_t>() + 6) == std::vector<int64_t>{0, 1, 5, -1, 1, 0}));
  Tensor mins = tensor_i64({2}, {lo, lo}), neg1 = tensor_i64({2}, {-1, lo});
  for (int64_t fmod : {0, 1}) {
    const std::vector<Tensor> y = run_everywhere("Mod", {&mins, &neg1}, fmod_attr(fmod));
    CHECK(y[0].ptr<int64_t>()[0] == 0 && y[0].ptr<int64_t>()[1] == 0);
  }
}

TEST(mod_contract) {
  Tensor f = tensor_f32({2}, {1, 2}), f3 = tensor_f32({3}, {1, 2, 3}), i = tensor_i32({2}, {1, 2}), l = tensor_i64({2}, {4, 0});
  Tensor t = tensor_bool({2}, {1, 0});
  CHECK_THROWS_CODE(E_ATTR, run("Mod", {&f, &f}));  // float needs fmod=1
  CHECK_THROWS_CODE(E_ATTR, run("Mod", {&i, &i}, fmod_attr(2)));
  CHECK_THROWS_CODE(E_DTYPE, run("Mod", {&f, &i}, fmod_attr(1)));
  CHECK_THROWS_CODE(E_DTYPE, run("Mod", {&t, &t}, fmod_attr(1)));
  CHECK_THROWS_CODE(E_SHAPE, run("Mod", {&f, &f3}, fmod_attr(1)));
  CHECK_THROWS_CODE(E_VALUE, run("Mod", {&l, &l}));  // a zero divisor, for either fmod
  CHECK_THROWS_CODE(E_VALUE, run("Mod", {&l, &l}, fmod_attr(1)));
  CHECK_THROWS_CODE(E_ARITY, run("Mod", {&f}, fmod_attr(1)));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
