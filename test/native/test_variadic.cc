// The variadic Min, Max, Sum and Mean (added in issue 13). Their definitions
// (docs/numerics/binary.md) are written again here, independently of the
// engine's code: Min/Max under the order -0 < +0 with any NaN giving NaN, Sum
// as a left-to-right fold of IEEE additions, Mean as that sum divided once by
// the count. Every ISA x 1-4 threads must give the scalar run's bytes.
#include <cmath>
#include <cstdint>
#include <limits>

#include "test_util.h"

using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

// a before b in the order Min and Max use: numbers as usual, -0 before +0.
bool before(float a, float b) { return a < b || (a == b && std::signbit(a) && !std::signbit(b)); }

// out[i] = f over the inputs' broadcast elements, in input order.
std::vector<float> reference(const std::vector<const Tensor*>& in, const Shape& out, float (*f)(const std::vector<float>&)) {
  int64_t n = 1;
  for (int64_t d : out) n *= d;
  std::vector<float> r(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    std::vector<float> xs;
    for (const Tensor* t : in) xs.push_back(t->ptr<float>()[broadcast_source(out, t->shape, i)]);
    r[size_t(i)] = f(xs);
  }
  return r;
}

float ref_min(const std::vector<float>& xs) {
  float m = xs[0];
  for (float x : xs) {
    if (std::isnan(x) || std::isnan(m)) return from_bits(kCanonNan);
    if (before(x, m)) m = x;
  }
  return m;
}
float ref_max(const std::vector<float>& xs) {
  float m = xs[0];
  for (float x : xs) {
    if (std::isnan(x) || std::isnan(m)) return from_bits(kCanonNan);
    if (before(m, x)) m = x;
  }
  return m;
}
float ref_sum(const std::vector<float>& xs) {
  float s = xs[0];
  for (size_t k = 1; k < xs.size(); ++k) s = s + xs[k];
  return s;
}
float ref_mean(const std::vector<float>& xs) { return ref_sum(xs) / float(xs.size()); }

void check_same(const Tensor& got, const std::vector<float>& want, const std::string& what) {
  bool ok = got.numel() == int64_t(want.size());
  for (size_t i = 0; ok && i < want.size(); ++i) ok = bits_of(got.ptr<float>()[i]) == bits_of(want[i]);
  CHECK_MSG(ok, what);
}

}  // namespace

TEST(min_max_sum_mean_against_their_definitions) {
  // The last two are large enough to be split across threads (and rows).
  const std::vector<std::vector<Shape>> shapes = {{{7}}, {{2, 3}, {3}}, {{4, 1, 5}, {3, 1}, {5}}, {{1000}, {}, {1000}, {1}}, {{0, 2}, {2}},
                                                  {{128, 257}, {257}, {128, 1}}, {{40000}, {40000}}};
  uint64_t stream = 800;
  for (const auto& group : shapes) {
    std::vector<Tensor> ts;
    for (const Shape& s : group) ts.push_back(with_specials(s, stream++, {kNaN, 0.0f, -0.0f, kInf, -kInf}, 801, 8));
    std::vector<const Tensor*> in;
    for (const Tensor& t : ts) in.push_back(&t);
    struct Op {
      const char* name;
      float (*f)(const std::vector<float>&);
    };
    for (Op op : {Op{"Min", ref_min}, Op{"Max", ref_max}, Op{"Sum", ref_sum}, Op{"Mean", ref_mean}}) {
      std::vector<Tensor> y = run_everywhere(op.name, in);
      std::vector<float> want = reference(in, y[0].shape, op.f);
      // Sum and Mean leave NaN payloads unspecified (as Add): compare NaN as NaN there.
      if (op.f == ref_sum || op.f == ref_mean) {
        bool ok = y[0].numel() == int64_t(want.size());
        for (size_t i = 0; ok && i < want.size(); ++i) ok = same_bits_or_nan(y[0].ptr<float>()[i], want[i]);
        CHECK_MSG(ok, std::string(op.name) + " of " + std::to_string(group.size()) + " inputs");
      } else {
        check_same(y[0], want, std::string(op.name) + " of " + std::to_string(group.size()) + " inputs");
      }
    }
  }
  // Written out: the signed zeros and NaN.
  Tensor a = tensor_f32({3}, {-0.0f, 0.0f, kNaN}), b = tensor_f32({3}, {0.0f, -0.0f, 1.0f});
  const std::vector<Tensor> mn_out = run_everywhere("Min", {&a, &b});
  const float* mn = mn_out[0].ptr<float>();
  const std::vector<Tensor> mx_out = run_everywhere("Max", {&a, &b});
  const float* mx = mx_out[0].ptr<float>();
  CHECK(bits_of(mn[0]) == 0x80000000u && bits_of(mn[1]) == 0x80000000u && bits_of(mn[2]) == kCanonNan);
  CHECK(bits_of(mx[0]) == 0u && bits_of(mx[1]) == 0u && bits_of(mx[2]) == kCanonNan);
  Tensor one = tensor_f32({2}, {from_bits(0xFFC00001u), 2.0f});
  CHECK(bits_of(run_everywhere("Max", {&one})[0].ptr<float>()[0]) == kCanonNan);
}

TEST(integer_min_max) {
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  Tensor a = tensor_i64({3}, {lo, hi, 5}), b = tensor_i64({3}, {-1, 1, 5}), c = tensor_i64({1}, {2});
  const std::vector<Tensor> mn_out = run_everywhere("Min", {&a, &b, &c});
  const int64_t* mn = mn_out[0].ptr<int64_t>();
  const std::vector<Tensor> mx_out = run_everywhere("Max", {&a, &b, &c});
  const int64_t* mx = mx_out[0].ptr<int64_t>();
  CHECK(mn[0] == lo && mn[1] == 1 && mn[2] == 2);
  CHECK(mx[0] == 2 && mx[1] == hi && mx[2] == 5);
  Tensor i = tensor_i32({2}, {std::numeric_limits<int32_t>::max(), -3}), j = tensor_i32({2}, {std::numeric_limits<int32_t>::min(), 3});
  const std::vector<Tensor> m32_out = run_everywhere("Max", {&i, &j});
  const int32_t* m32 = m32_out[0].ptr<int32_t>();
  CHECK(m32[0] == std::numeric_limits<int32_t>::max() && m32[1] == 3);
}

TEST(variadic_contracts) {
  Tensor f = tensor_f32({2}, {1, 2}), f3 = tensor_f32({3}, {1, 2, 3}), i = tensor_i32({2}, {1, 2}), t = tensor_bool({2}, {1, 0});
  for (const char* op : {"Min", "Max", "Sum", "Mean"}) {
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&f, &i}));
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&t}));
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&f, &f3}));
    CHECK_THROWS_CODE(E_ARITY, run(op, {}));
  }
  CHECK_THROWS_CODE(E_DTYPE, run("Mean", {&i, &i}));
  CHECK_THROWS_CODE(E_DTYPE, run("Sum", {&i, &i}));  // ONNX's Sum and Mean are float only
  std::vector<const Tensor*> many(1025, &f);
  CHECK_THROWS_CODE(E_ARITY, run("Max", many));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
