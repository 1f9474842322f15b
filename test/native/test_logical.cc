// The comparisons GreaterOrEqual and LessOrEqual and the logical ops Not, And,
// Or and Xor (added in issue 13). Each output is exact (a comparison or a truth
// function), so the expected values are written out by hand or computed here
// with plain C++ operators over an independent broadcasting walk, and every ISA
// x 1-4 threads must give the scalar run's bytes (run_everywhere).
#include <cstdint>
#include <limits>

#include "test_util.h"

using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

std::vector<uint8_t> bytes_of(const Tensor& t) {
  const uint8_t* p = t.ptr<uint8_t>();
  return std::vector<uint8_t>(p, p + t.numel());
}

// out[i] = f(a[src_a(i)], b[src_b(i)]) over numpy broadcasting.
template <class T, class F> std::vector<uint8_t> reference(const Tensor& a, const Tensor& b, const Shape& out, F f) {
  int64_t n = 1;
  for (int64_t d : out) n *= d;
  std::vector<uint8_t> r(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    r[size_t(i)] = f(a.ptr<T>()[broadcast_source(out, a.shape, i)], b.ptr<T>()[broadcast_source(out, b.shape, i)]) ? 1 : 0;
  }
  return r;
}

}  // namespace

TEST(greater_or_equal_and_less_or_equal_special_values) {
  // NaN compares false; -0 == +0; infinities compare as numbers.
  Tensor a = tensor_f32({7}, {kNaN, 1.0f, -0.0f, kInf, -kInf, 2.0f, 1.0f});
  Tensor b = tensor_f32({7}, {1.0f, kNaN, 0.0f, kInf, kInf, 1.0f, 2.0f});
  CHECK((bytes_of(run_everywhere("GreaterOrEqual", {&a, &b})[0]) == std::vector<uint8_t>{0, 0, 1, 1, 0, 1, 0}));
  CHECK((bytes_of(run_everywhere("LessOrEqual", {&a, &b})[0]) == std::vector<uint8_t>{0, 0, 1, 1, 1, 0, 1}));
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  Tensor i = tensor_i64({4}, {lo, hi, -1, 5}), j = tensor_i64({4}, {hi, lo, -1, 4});
  CHECK((bytes_of(run_everywhere("GreaterOrEqual", {&i, &j})[0]) == std::vector<uint8_t>{0, 1, 1, 1}));
  CHECK((bytes_of(run_everywhere("LessOrEqual", {&i, &j})[0]) == std::vector<uint8_t>{1, 0, 1, 0}));
  Tensor k = tensor_i32({3}, {std::numeric_limits<int32_t>::min(), 0, 7}), l = tensor_i32({1}, {0});
  CHECK((bytes_of(run_everywhere("GreaterOrEqual", {&k, &l})[0]) == std::vector<uint8_t>{0, 1, 1}));
}

TEST(comparisons_broadcast_like_numpy) {
  const std::vector<std::pair<Shape, Shape>> shapes = {{{2, 3, 5}, {5}}, {{4, 1, 7}, {3, 1}}, {{1000}, {}}, {{0, 3}, {3}}, {{33}, {33}}};
  uint64_t stream = 700;
  for (const auto& s : shapes) {
    // Rounded to a coarse grid so that equal pairs occur often.
    Tensor a = random_f32(s.first, stream++, 4.0f), b = random_f32(s.second, stream++, 4.0f);
    for (Tensor* t : {&a, &b}) {
      for (int64_t e = 0; e < t->numel(); ++e) t->ptr<float>()[e] = float(int(t->ptr<float>()[e] * 2)) / 2;
    }
    std::vector<Tensor> ge = run_everywhere("GreaterOrEqual", {&a, &b}), le = run_everywhere("LessOrEqual", {&a, &b});
    CHECK(ge[0].dtype == DType::BOOL && ge[0].shape == le[0].shape);
    CHECK(bytes_of(ge[0]) == reference<float>(a, b, ge[0].shape, [](float x, float y) { return x >= y; }));
    CHECK(bytes_of(le[0]) == reference<float>(a, b, le[0].shape, [](float x, float y) { return x <= y; }));
  }
}

TEST(logical_ops_truth_tables) {
  // Bytes other than 0 and 1 are true, like 1.
  Tensor a = tensor_bool({4, 1}, {0, 1, 2, 255}), b = tensor_bool({4}, {0, 1, 0, 7});
  const Shape out = {4, 4};
  auto truth = [](uint8_t v) { return v != 0; };
  CHECK(bytes_of(run_everywhere("And", {&a, &b})[0]) ==
        reference<uint8_t>(a, b, out, [&](uint8_t x, uint8_t y) { return truth(x) && truth(y); }));
  CHECK(bytes_of(run_everywhere("Or", {&a, &b})[0]) ==
        reference<uint8_t>(a, b, out, [&](uint8_t x, uint8_t y) { return truth(x) || truth(y); }));
  CHECK(bytes_of(run_everywhere("Xor", {&a, &b})[0]) ==
        reference<uint8_t>(a, b, out, [&](uint8_t x, uint8_t y) { return truth(x) != truth(y); }));
  // Written out: row a = 2 against b = {0, 1, 0, 7}.
  const std::vector<uint8_t> x = bytes_of(run("Xor", {&a, &b})[0]);
  CHECK((std::vector<uint8_t>(x.begin() + 8, x.begin() + 12) == std::vector<uint8_t>{1, 0, 1, 0}));
  Tensor n = tensor_bool({5}, {0, 1, 2, 255, 0});
  CHECK((bytes_of(run_everywhere("Not", {&n})[0]) == std::vector<uint8_t>{1, 0, 0, 0, 1}));
  // Large enough for threads and the vectorized loop: random bytes, 0 about half the time.
  std::vector<uint8_t> ra(100003), rb(100003);
  for (size_t k = 0; k < ra.size(); ++k) {
    const uint64_t r = aivm::rng_u64(710, 0, k);
    ra[k] = (r & 1) ? uint8_t(r >> 8) : 0;
    rb[k] = (r & 2) ? uint8_t(r >> 16) : 0;
  }
  Tensor la = tensor_bool({100003}, ra), lb = tensor_bool({100003}, rb);
  CHECK(bytes_of(run_everywhere("Xor", {&la, &lb})[0]) ==
        reference<uint8_t>(la, lb, {100003}, [&](uint8_t x, uint8_t y) { return truth(x) != truth(y); }));
  CHECK(bytes_of(run_everywhere("And", {&la, &lb})[0]) ==
        reference<uint8_t>(la, lb, {100003}, [&](uint8_t x, uint8_t y) { return truth(x) && truth(y); }));
  Tensor big = tensor_bool({100003}, std::vector<uint8_t>(100003, 1));
  CHECK(bytes_of(run_everywhere("Not", {&big})[0]) == std::vector<uint8_t>(100003, 0));
}

TEST(logical_and_comparison_contracts) {
  Tensor f = tensor_f32({2}, {1, 2}), i = tensor_i32({2}, {1, 2}), t = tensor_bool({2}, {1, 0}), t3 = tensor_bool({3}, {1, 0, 1});
  for (const char* op : {"And", "Or", "Xor"}) {
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&f, &f}));
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&t, &i}));
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&t, &t3}));
    CHECK_THROWS_CODE(E_ARITY, run(op, {&t}));
  }
  CHECK_THROWS_CODE(E_DTYPE, run("Not", {&f}));
  CHECK_THROWS_CODE(E_ARITY, run("Not", {&t, &t}));
  for (const char* op : {"GreaterOrEqual", "LessOrEqual"}) {
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&t, &t}));  // bools are not ordered here, as for Less and Greater
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&f, &i}));
  }
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
