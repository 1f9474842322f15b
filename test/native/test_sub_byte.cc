// The sub-byte dtypes (UINT4 21, INT4 22, FLOAT4E2M1 23, UINT2 25, INT2 26), held one
// element per byte (aivm/dtype.h): what a byte reads as, Cast to and from every dtype
// (docs/numerics/cast.md), hashing, and the element-moving ops. References are written
// again here from the definitions (ONNX's int4.md and float4.md; its reference
// implementation for float4's NaN): integers by long double arithmetic (nearbyintl,
// fmodl), float4 by searching the 8 magnitudes for the nearest. Every Cast runs through
// run_everywhere (every ISA x 1-4 threads, emulated CUDA where built).
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "test_util.h"

using aivm::Attrs;
using aivm::DType;
using aivm::Tensor;
using namespace aivm_test;

namespace {

struct IntFmt {
  DType dtype;
  const char* name;
  int bits;
  bool is_signed;
};
const IntFmt kInts[] = {{DType::U4, "uint4", 4, false}, {DType::I4, "int4", 4, true}, {DType::U2, "uint2", 2, false}, {DType::I2, "int2", 2, true}};

// The value of a byte: its low `bits` bits, sign-extended for the signed types.
int64_t int_value(uint8_t b, const IntFmt& f) {
  const int64_t m = b % (1 << f.bits);
  return f.is_signed && m >= (1 << (f.bits - 1)) ? m - (1 << f.bits) : m;
}

// An integer (exact in long double) modulo 2^bits, as the canonical value.
int64_t wrap(long double x, const IntFmt& f) {
  long double m = std::fmod(x, (long double)(1 << f.bits));
  if (m < 0) m += (long double)(1 << f.bits);
  const int64_t u = int64_t(m);
  return f.is_signed && u >= (1 << (f.bits - 1)) ? u - (1 << f.bits) : u;
}

// ONNX: round to the nearest integer, ties to even, then keep the low bits; NaN, inf -> 0.
int64_t ref_float_to_int(long double x, const IntFmt& f) {
  if (std::isnan(x) || std::isinf(x)) return 0;
  std::fesetround(FE_TONEAREST);
  return wrap(std::nearbyint(x), f);
}

const double kF4Mags[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
double f4_value(uint8_t b) { return (b & 8 ? -1 : 1) * kF4Mags[b & 7]; }

// Nearest of the 8 magnitudes (ties to the even pattern), saturating at 6; NaN -> 0x8.
uint8_t ref_to_f4(long double x) {
  if (std::isnan(x)) return 0x8;
  const uint8_t sign = std::signbit(x) ? 8 : 0;
  const long double a = std::fabs(x);
  if (a >= 6) return uint8_t(sign | 7);  // saturates (infinities too)
  int best = 0;
  for (int p = 1; p < 8; ++p) {
    const long double d = std::fabs(a - kF4Mags[p]), bd = std::fabs(a - kF4Mags[best]);
    if (d < bd || (d == bd && (p & 1) == 0)) best = p;
  }
  return uint8_t(sign | best);
}

Attrs cast_to(DType d) { return attrs1("to", attr_int(int64_t(d))); }

Tensor all_bytes(DType d) {
  std::vector<uint8_t> v(256);
  for (int i = 0; i < 256; ++i) v[size_t(i)] = uint8_t(i);
  return tensor_of(d, {256}, v);
}

// Doubles around every integer and half-integer that matters, both signs, plus the far ends.
std::vector<double> float_sources() {
  std::vector<double> v;
  for (int k = -40; k <= 40; ++k) {
    const double h = k * 0.5;
    for (double x : {h, std::nextafter(h, -1e300), std::nextafter(h, 1e300), double(std::nextafter(float(h), -1e30f)),
                     double(std::nextafter(float(h), 1e30f))}) {
      v.push_back(x);
    }
  }
  for (double x : {1e-300, 0.0, -0.0, 1e6, 65504.0, 3.4e38, 1e300, 9007199254740993.0, 18446744073709551616.0,
                   9223372036854775808.0, 4503599627370497.5, 4503599627370496.5, double(INFINITY), double(-INFINITY), double(NAN)}) {
    v.push_back(x);
    v.push_back(-x);
  }
  for (uint64_t i = 0; i < 4000; ++i) {
    const uint64_t r = aivm::rng_u64(29, 2, i);
    v.push_back(std::ldexp(double(r >> 11) / 9007199254740992.0, int(r % 80) - 10) * ((r >> 10) & 1 ? -1 : 1));
  }
  return v;
}

}  // namespace

TEST(every_byte_reads_as_its_low_bits) {
  for (const IntFmt& f : kInts) {
    Tensor x = all_bytes(f.dtype);
    const Tensor y64 = run_everywhere("Cast", {&x}, cast_to(DType::I64))[0];
    const Tensor yf = run_everywhere("Cast", {&x}, cast_to(DType::F32))[0];
    const Tensor y8 = run_everywhere("Cast", {&x}, cast_to(DType::I8))[0];
    int bad = 0;
    for (int b = 0; b < 256; ++b) {
      const int64_t v = int_value(uint8_t(b), f);
      bad += y64.ptr<int64_t>()[b] != v || yf.ptr<float>()[b] != float(v) || y8.ptr<int8_t>()[b] != int8_t(v);
    }
    CHECK_MSG(bad == 0, std::string(f.name) + ": " + std::to_string(bad));
  }
  Tensor x = all_bytes(DType::F4E2M1);
  const Tensor y = run_everywhere("Cast", {&x}, cast_to(DType::F64))[0];
  const Tensor h = run_everywhere("Cast", {&x}, cast_to(DType::F16))[0];
  const Tensor back = run_everywhere("Cast", {&h}, cast_to(DType::F4E2M1))[0];
  int bad = 0;
  for (int b = 0; b < 256; ++b) {
    const double v = f4_value(uint8_t(b));
    bad += std::memcmp(y.ptr<double>() + b, &v, 8) != 0;  // -0 included
    bad += back.ptr<uint8_t>()[b] != (b & 0xF);            // float16 holds every value: the pattern comes back
  }
  CHECK_MSG(bad == 0, "float4e2m1: " + std::to_string(bad));
}

TEST(floats_round_to_nearest_even_then_wrap) {
  const std::vector<double> d = float_sources();
  std::vector<float> fl(d.begin(), d.end());
  const Tensor f64 = tensor_of(DType::F64, {int64_t(d.size())}, d);
  const Tensor f32 = tensor_f32({int64_t(fl.size())}, fl);
  const Tensor f16 = run("Cast", {&f32}, cast_to(DType::F16))[0];
  const Tensor f16_as_f64 = run("Cast", {&f16}, cast_to(DType::F64))[0];
  for (const IntFmt& f : kInts) {
    int bad = 0;
    int64_t first = -1;
    for (const Tensor* src : {&f64, &f32, &f16}) {
      const Tensor y = run_everywhere("Cast", {src}, cast_to(f.dtype))[0];
      for (size_t i = 0; i < d.size(); ++i) {
        const long double v = src == &f64 ? d[i] : src == &f32 ? fl[i] : f16_as_f64.ptr<double>()[i];
        if (int64_t(y.ptr<int8_t>()[i]) != ref_float_to_int(v, f) || (!f.is_signed && y.ptr<uint8_t>()[i] >= (1 << f.bits))) {
          if (first < 0) first = int64_t(i);
          ++bad;
        }
      }
    }
    CHECK_MSG(bad == 0, std::string(f.name) + ": " + std::to_string(bad) + " mismatches, first " + std::to_string(first));
  }
  // The ONNX node tests' values: -9..15 (4-bit), -3..3 (2-bit) wrap.
  const Tensor t = tensor_f32({4}, {-9.0f, 15.0f, -3.0f, 3.0f});
  const Tensor i4 = run_everywhere("Cast", {&t}, cast_to(DType::I4))[0];
  const Tensor u2 = run_everywhere("Cast", {&t}, cast_to(DType::U2))[0];
  CHECK(i4.ptr<int8_t>()[0] == 7 && i4.ptr<int8_t>()[1] == -1 && i4.ptr<int8_t>()[2] == -3 && i4.ptr<int8_t>()[3] == 3);
  CHECK(u2.ptr<uint8_t>()[0] == 3 && u2.ptr<uint8_t>()[1] == 3 && u2.ptr<uint8_t>()[2] == 1 && u2.ptr<uint8_t>()[3] == 3);
}

TEST(integers_wrap) {
  std::vector<int64_t> v = {0, 1, -1, 7, 8, -8, -9, 15, 16, 17, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
  for (uint64_t i = 0; i < 3000; ++i) v.push_back(int64_t(aivm::rng_u64(31, 1, i)) >> (i % 63));
  const Tensor x64 = tensor_i64({int64_t(v.size())}, v);
  const Tensor u64 = run("Cast", {&x64}, cast_to(DType::U64))[0];
  const Tensor b = tensor_bool({3}, {0, 1, 1});
  for (const IntFmt& f : kInts) {
    const Tensor y = run_everywhere("Cast", {&x64}, cast_to(f.dtype))[0];
    const Tensor z = run_everywhere("Cast", {&u64}, cast_to(f.dtype))[0];
    int bad = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      const int64_t want = wrap((long double)v[i], f);
      bad += int64_t(y.ptr<int8_t>()[i]) != want;
      bad += int64_t(z.ptr<int8_t>()[i]) != wrap((long double)u64.ptr<uint64_t>()[i], f);
    }
    const Tensor yb = run_everywhere("Cast", {&b}, cast_to(f.dtype))[0];
    bad += yb.ptr<int8_t>()[0] != 0 || yb.ptr<int8_t>()[1] != 1;
    CHECK_MSG(bad == 0, std::string(f.name) + ": " + std::to_string(bad));
  }
}

TEST(float4_rounds_to_nearest_even_and_saturates) {
  std::vector<double> d = float_sources();
  for (int p = 0; p < 8; ++p) {
    for (int q = p + 1; q < 8; ++q) {
      const double mid = (kF4Mags[p] + kF4Mags[q]) / 2;
      for (double x : {mid, std::nextafter(mid, 0.0), std::nextafter(mid, 10.0)}) d.push_back(x), d.push_back(-x);
    }
  }
  std::vector<float> fl(d.begin(), d.end());
  const Tensor f64 = tensor_of(DType::F64, {int64_t(d.size())}, d);
  const Tensor f32 = tensor_f32({int64_t(fl.size())}, fl);
  const Tensor y64 = run_everywhere("Cast", {&f64}, cast_to(DType::F4E2M1))[0];
  const Tensor y32 = run_everywhere("Cast", {&f32}, cast_to(DType::F4E2M1))[0];
  int bad = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    bad += y64.ptr<uint8_t>()[i] != ref_to_f4(d[i]);
    bad += y32.ptr<uint8_t>()[i] != ref_to_f4(fl[i]);
  }
  CHECK_MSG(bad == 0, "float4e2m1: " + std::to_string(bad));
  // The ONNX node test (test_cast_FLOAT_to_FLOAT4E2M1): its expected patterns.
  const Tensor o = tensor_f32({15}, {0.48f, 0.25f, 1.05f, -3.5f, -8.0f, 9.0f, 1e6f, 1e-7f, NAN, INFINITY, INFINITY, -INFINITY,
                                     -4.0f, 0.01f, -0.0f});
  const uint8_t want[15] = {1, 0, 2, 0xE, 0xF, 7, 7, 0, 8, 7, 7, 0xF, 0xE, 0, 8};
  const Tensor yo = run_everywhere("Cast", {&o}, cast_to(DType::F4E2M1))[0];
  for (int i = 0; i < 15; ++i) CHECK_MSG(yo.ptr<uint8_t>()[i] == want[i], "onnx element " + std::to_string(i));
  // Integers: the exact value rounded (7 -> 6, 5 -> 4 (tie to even), 100 -> 6).
  const Tensor ints = tensor_i64({6}, {5, 7, 100, -3, -100, 0});
  const Tensor yi = run_everywhere("Cast", {&ints}, cast_to(DType::F4E2M1))[0];
  const uint8_t want_i[6] = {6, 7, 7, 0xD, 0xF, 0};
  for (int i = 0; i < 6; ++i) CHECK_MSG(yi.ptr<uint8_t>()[i] == want_i[i], "integer element " + std::to_string(i));
}

TEST(to_every_dtype_through_the_exact_value) {
  const DType all[] = {
#define AIVM_TEST_DTYPE(e, tag, name, T, array) DType::e,
      AIVM_DTYPES(AIVM_TEST_DTYPE)
#undef AIVM_TEST_DTYPE
  };
  for (DType from : {DType::U4, DType::I4, DType::F4E2M1, DType::U2, DType::I2}) {
    Tensor x = all_bytes(from);
    // The exact value: an int64 for the integers (an integer cast wraps, a float one
    // saturates), a float64 for float4.
    const Tensor as64 = run("Cast", {&x}, cast_to(from == DType::F4E2M1 ? DType::F64 : DType::I64))[0];
    for (DType to : all) {
      const Tensor y = run_everywhere("Cast", {&x}, cast_to(to))[0];
      const Tensor z = run("Cast", {&as64}, cast_to(to))[0];
      CHECK_MSG(same_bits(y, z), std::string(aivm::dtype_name(from)) + " -> " + aivm::dtype_name(to));
    }
  }
}

TEST(moves_hashing_and_refusals) {
  for (DType d : {DType::U4, DType::I4, DType::F4E2M1, DType::U2, DType::I2}) {
    std::vector<uint8_t> v(24);
    for (size_t i = 0; i < v.size(); ++i) v[i] = uint8_t(aivm::rng_u64(37, 0, i) & 1);
    const Tensor x = tensor_of(d, {2, 3, 4}, v);
    const Tensor t = run_everywhere("Transpose", {&x}, attrs1("perm", attr_ints({2, 0, 1})))[0];
    CHECK(t.dtype == d && t.ptr<uint8_t>()[1] == v[4] && t.ptr<uint8_t>()[2] == v[8]);
    const Tensor c = run_everywhere("Concat", {&x, &x}, attrs1("axis", attr_int(0)))[0];
    CHECK(c.dtype == d && std::memcmp(c.ptr<uint8_t>() + 24, v.data(), 24) == 0);
    CHECK_THROWS_CODE(E_DTYPE, run("Add", {&x, &x}));
    CHECK_THROWS_CODE(E_DTYPE, run("Relu", {&x}));
  }
  // A byte hashes as its low bits: as Cast reads it.
  auto h = [](DType d, uint8_t b) {
    const Tensor t = tensor_of(d, {1}, std::vector<uint8_t>{b});
    return aivm::encode_tensors({&t});
  };
  CHECK(h(DType::I4, 0x0F) == h(DType::I4, 0xFF) && h(DType::I4, 0x07) != h(DType::I4, 0x0F));
  CHECK(h(DType::U4, 0x1F) == h(DType::U4, 0x0F) && h(DType::F4E2M1, 0x18) == h(DType::F4E2M1, 0x08));
  CHECK(h(DType::I2, 0x03) == h(DType::I2, 0xFF) && h(DType::U2, 0x07) == h(DType::U2, 0x03) && h(DType::U2, 0x01) != h(DType::U2, 0x03));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
