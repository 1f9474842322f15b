// BitwiseAnd, BitwiseOr, BitwiseXor, BitwiseNot and BitShift on int32 and int64
// (issue: bitwise ops). Every output is exact, so each is compared with a
// reference computed another way here (per-bit loops, repeated doubling and
// halving for shifts) over an independent broadcasting walk, and every ISA x 1-4
// threads (and emulated CUDA) must give the scalar run's bits (run_everywhere).
#include <cstdint>
#include <limits>
#include <string>

#include "test_util.h"

using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

// The value k of a tensor, as its unsigned 64-bit pattern of `bits` bits.
uint64_t pattern(const Tensor& t, int64_t k) {
  if (t.dtype == DType::I32) return uint64_t(uint32_t(t.ptr<int32_t>()[k]));
  return uint64_t(t.ptr<int64_t>()[k]);
}
// The signed value k (shift amounts).
int64_t value(const Tensor& t, int64_t k) {
  return t.dtype == DType::I32 ? int64_t(t.ptr<int32_t>()[k]) : t.ptr<int64_t>()[k];
}

// Bitwise op one bit at a time.
uint64_t per_bit(uint64_t a, uint64_t b, int bits, char op) {
  uint64_t r = 0;
  for (int i = 0; i < bits; ++i) {
    const int x = int((a >> i) & 1), y = int((b >> i) & 1);
    const int z = op == '&' ? (x & y) : op == '|' ? (x | y) : op == '^' ? (x ^ y) : (1 - x);
    r |= uint64_t(z) << i;
  }
  return r;
}

// Logical shift by repeated doubling / halving of the unsigned value modulo
// 2^bits; an amount outside [0, bits) gives 0.
uint64_t shift_ref(uint64_t x, int64_t n, int bits, bool left) {
  if (n < 0 || n >= bits) return 0;
  const uint64_t mask = bits == 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
  for (int64_t i = 0; i < n; ++i) x = left ? (x * 2) & mask : x / 2;
  return x;
}

Tensor random_int(DType d, const Shape& s, uint64_t stream) {
  Tensor t = aivm::make_tensor(d, s);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const uint64_t r = aivm::rng_u64(7, stream, uint64_t(i));
    if (d == DType::I32) t.ptr<int32_t>()[i] = int32_t(uint32_t(r));
    else t.ptr<int64_t>()[i] = int64_t(r);
  }
  return t;
}

// Shift amounts covering -2..bits+2 and some far outside.
Tensor amounts(DType d, const Shape& s, uint64_t stream) {
  const int bits = d == DType::I32 ? 32 : 64;
  Tensor t = aivm::make_tensor(d, s);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const uint64_t r = aivm::rng_u64(9, stream, uint64_t(i));
    int64_t n = int64_t(r % uint64_t(bits + 5)) - 2;
    if (r % 17 == 0) n = (r & 64) ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int32_t>::max();
    if (d == DType::I32) t.ptr<int32_t>()[i] = int32_t(n);
    else t.ptr<int64_t>()[i] = (r % 23 == 0) ? std::numeric_limits<int64_t>::min() : n;
  }
  return t;
}

void check_binary(const std::string& op, const Tensor& a, const Tensor& b, const aivm::Attrs& attrs,
                  uint64_t (*ref)(uint64_t, uint64_t, int64_t, int)) {
  std::vector<Tensor> y = run_everywhere(op, {&a, &b}, attrs);
  CHECK(y.size() == 1 && y[0].dtype == a.dtype);
  const int bits = a.dtype == DType::I32 ? 32 : 64;
  int bad = 0;
  for (int64_t i = 0; i < y[0].numel(); ++i) {
    const int64_t ia = broadcast_source(y[0].shape, a.shape, i), ib = broadcast_source(y[0].shape, b.shape, i);
    if (pattern(y[0], i) != ref(pattern(a, ia), pattern(b, ib), value(b, ib), bits)) ++bad;
  }
  CHECK_MSG(bad == 0, op + " " + aivm::dtype_name(a.dtype) + ": " + std::to_string(bad) + " wrong elements");
}

const std::vector<std::pair<Shape, Shape>> kShapes = {
    {{1000}, {1000}}, {{2, 3, 5}, {5}}, {{4, 1, 7}, {3, 1}}, {{33}, {}}, {{0, 3}, {3}}, {{}, {}}, {{3, 1}, {1, 40}}};

}  // namespace

TEST(bitwise_and_or_xor_match_per_bit_reference) {
  uint64_t stream = 100;
  for (DType d : {DType::I32, DType::I64}) {
    for (const auto& s : kShapes) {
      Tensor a = random_int(d, s.first, stream++), b = random_int(d, s.second, stream++);
      check_binary("BitwiseAnd", a, b, {}, [](uint64_t x, uint64_t y, int64_t, int bits) { return per_bit(x, y, bits, '&'); });
      check_binary("BitwiseOr", a, b, {}, [](uint64_t x, uint64_t y, int64_t, int bits) { return per_bit(x, y, bits, '|'); });
      check_binary("BitwiseXor", a, b, {}, [](uint64_t x, uint64_t y, int64_t, int bits) { return per_bit(x, y, bits, '^'); });
    }
  }
}

TEST(bitwise_not_matches_per_bit_reference) {
  uint64_t stream = 200;
  for (DType d : {DType::I32, DType::I64}) {
    for (const Shape& s : std::vector<Shape>{{1000}, {3, 7}, {}, {0}, {4097}}) {
      Tensor x = random_int(d, s, stream++);
      std::vector<Tensor> y = run_everywhere("BitwiseNot", {&x});
      CHECK(y[0].dtype == d && y[0].shape == s);
      const int bits = d == DType::I32 ? 32 : 64;
      int bad = 0;
      for (int64_t i = 0; i < x.numel(); ++i) bad += pattern(y[0], i) != per_bit(pattern(x, i), 0, bits, '~');
      CHECK(bad == 0);
    }
  }
  Tensor e = tensor_i64({4}, {0, -1, std::numeric_limits<int64_t>::min(), 5});
  const Tensor p_t = run_everywhere("BitwiseNot", {&e})[0];
  const int64_t* p = p_t.ptr<int64_t>();
  CHECK(p[0] == -1 && p[1] == 0 && p[2] == std::numeric_limits<int64_t>::max() && p[3] == -6);
}

TEST(bitshift_is_logical_and_out_of_range_amounts_give_zero) {
  uint64_t stream = 300;
  for (DType d : {DType::I32, DType::I64}) {
    for (const auto& s : kShapes) {
      Tensor x = random_int(d, s.first, stream++), n = amounts(d, s.second, stream++);
      check_binary("BitShift", x, n, attrs1("direction", attr_string("LEFT")),
                   [](uint64_t v, uint64_t, int64_t k, int bits) { return shift_ref(v, k, bits, true); });
      check_binary("BitShift", x, n, attrs1("direction", attr_string("RIGHT")),
                   [](uint64_t v, uint64_t, int64_t k, int bits) { return shift_ref(v, k, bits, false); });
    }
  }
  // Hand-written: a negative x shifts right logically (zeros in), ONNX's uint examples,
  // amounts bits-1, bits, -1.
  const aivm::Attrs left = attrs1("direction", attr_string("LEFT")), right = attrs1("direction", attr_string("RIGHT"));
  Tensor x = tensor_i64({6}, {-1, 16, 4, 1, -8, 3}), n = tensor_i64({6}, {60, 1, 2, 63, 1, 64});
  const Tensor r_t = run_everywhere("BitShift", {&x, &n}, right)[0];
  const int64_t* r = r_t.ptr<int64_t>();
  CHECK(r[0] == 15 && r[1] == 8 && r[2] == 1 && r[3] == 0 && r[4] == int64_t(uint64_t(-8) >> 1) && r[5] == 0);
  const Tensor l_t = run_everywhere("BitShift", {&x, &n}, left)[0];
  const int64_t* l = l_t.ptr<int64_t>();
  CHECK(l[0] == int64_t(uint64_t(0xF) << 60) && l[1] == 32 && l[2] == 16 && l[3] == std::numeric_limits<int64_t>::min() &&
        l[4] == -16 && l[5] == 0);
  Tensor xi = tensor_i32({4}, {-1, 1, 7, 5}), ni = tensor_i32({4}, {31, 31, -1, 32});
  const Tensor ri_t = run_everywhere("BitShift", {&xi, &ni}, right)[0];
  const int32_t* ri = ri_t.ptr<int32_t>();
  CHECK(ri[0] == 1 && ri[1] == 0 && ri[2] == 0 && ri[3] == 0);
  const Tensor li_t = run_everywhere("BitShift", {&xi, &ni}, left)[0];
  const int32_t* li = li_t.ptr<int32_t>();
  CHECK(li[0] == std::numeric_limits<int32_t>::min() && li[1] == std::numeric_limits<int32_t>::min() && li[2] == 0 && li[3] == 0);
}

TEST(bitwise_errors) {
  Tensor f = tensor_f32({2}, {1, 2});
  Tensor i = tensor_i64({2}, {1, 2}), j = tensor_i32({2}, {1, 2}), k = tensor_i64({3}, {1, 2, 3});
  Tensor b = tensor_bool({2}, {0, 1});
  const aivm::Attrs left = attrs1("direction", attr_string("LEFT"));
  for (const char* op : {"BitwiseAnd", "BitwiseOr", "BitwiseXor"}) {
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&f, &f}));
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&b, &b}));
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&i, &j}));
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&i, &k}));
    CHECK_THROWS_CODE(E_ARITY, run(op, {&i}));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&i, &i}, left));
  }
  CHECK_THROWS_CODE(E_DTYPE, run("BitwiseNot", {&f}));
  CHECK_THROWS_CODE(E_DTYPE, run("BitwiseNot", {&b}));
  CHECK_THROWS_CODE(E_ARITY, run("BitwiseNot", {&i, &i}));
  CHECK_THROWS_CODE(E_ATTR, run("BitShift", {&i, &i}));  // direction is required
  CHECK_THROWS_CODE(E_ATTR, run("BitShift", {&i, &i}, attrs1("direction", attr_string("left"))));
  CHECK_THROWS_CODE(E_ATTR, run("BitShift", {&i, &i}, attrs1("direction", attr_int(1))));
  CHECK_THROWS_CODE(E_DTYPE, run("BitShift", {&f, &f}, left));
  CHECK_THROWS_CODE(E_DTYPE, run("BitShift", {&i, &j}, left));
  CHECK_THROWS_CODE(E_SHAPE, run("BitShift", {&i, &k}, left));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
