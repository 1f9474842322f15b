// ArgMax and ArgMin (added in issue 13) against their definition written again
// here as two passes (is there a NaN? then the first/last NaN; else the extreme
// value, then its first/last index), not the engine's one-pass scan, on float32
// with NaN, signed zeros and infinities, and on int32/int64. Every ISA x 1-4
// threads and emulated CUDA must give the scalar run's bytes.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "test_util.h"

using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using aivm::shape_str;
using namespace aivm_test;

namespace {

aivm::Attrs arg_attrs(int64_t axis, int64_t keepdims, int64_t last) {
  aivm::Attrs a;
  a.set("axis", attr_int(axis));
  a.set("keepdims", attr_int(keepdims));
  a.set("select_last_index", attr_int(last));
  return a;
}

template <class T> int64_t ref_arg(const std::vector<T>& v, bool max, bool last) {
  const int64_t n = int64_t(v.size());
  auto isnan_ = [](T x) { return x != x; };
  int64_t pick = -1;
  for (int64_t k = 0; k < n; ++k)
    if (isnan_(v[size_t(k)]) && (pick < 0 || last)) pick = k;
  if (pick >= 0) return pick;
  T ext = v[0];
  for (const T& x : v) ext = max ? (x > ext ? x : ext) : (x < ext ? x : ext);
  for (int64_t k = 0; k < n; ++k)
    if (v[size_t(k)] == ext && (pick < 0 || last)) pick = k;
  return pick;
}

template <class T> void check_against_reference(const Tensor& x, DType dt, const char* what) {
  const int rank = x.rank();
  for (int axis = -rank; axis < rank; ++axis) {
    const int a = axis < 0 ? axis + rank : axis;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < a; ++d) outer *= x.shape[size_t(d)];
    for (int d = a + 1; d < rank; ++d) inner *= x.shape[size_t(d)];
    const int64_t dim = x.shape[size_t(a)];
    for (const char* op : {"ArgMax", "ArgMin"}) {
      for (int64_t last : {0, 1}) {
        for (int64_t keep : {0, 1}) {
          const std::vector<Tensor> y = run_everywhere(op, {&x}, arg_attrs(axis, keep, last));
          Shape want_shape = x.shape;
          if (keep) want_shape[size_t(a)] = 1;
          else want_shape.erase(want_shape.begin() + a);
          bool ok = y[0].dtype == DType::I64 && y[0].shape == want_shape;
          for (int64_t i = 0; ok && i < outer * inner; ++i) {
            std::vector<T> v;
            for (int64_t k = 0; k < dim; ++k) v.push_back(x.ptr<T>()[(i / inner) * dim * inner + k * inner + i % inner]);
            ok = y[0].ptr<int64_t>()[i] == ref_arg(v, std::string(op) == "ArgMax", last == 1);
          }
          CHECK_MSG(ok, std::string(op) + " " + what + " " + aivm::dtype_name(dt) + " " + shape_str(x.shape) + " axis " +
                            std::to_string(axis) + " last " + std::to_string(last) + " keepdims " + std::to_string(keep));
        }
      }
    }
  }
}

}  // namespace

TEST(arg_max_min_against_their_definition) {
  const std::vector<Shape> shapes = {{7}, {3, 5}, {4, 1, 6}, {2, 3, 4, 5}, {1}, {300, 111}};
  uint64_t stream = 1600;
  for (const Shape& s : shapes) {
    // Few distinct values, so ties are common; NaN, both zeros and infinities among them.
    Tensor f = with_specials(s, stream++, {NAN, 0.0f, -0.0f, INFINITY, -INFINITY, 1.0f}, 1601, 5);
    for (int64_t i = 0; i < f.numel(); ++i) f.ptr<float>()[i] = std::isnan(f.ptr<float>()[i]) ? f.ptr<float>()[i] : std::round(f.ptr<float>()[i]);
    check_against_reference<float>(f, DType::F32, "ties+specials");
    Tensor g = random_f32(s, stream++);  // no NaN: the plain extreme
    check_against_reference<float>(g, DType::F32, "random");
    std::mt19937_64 rng(stream++);
    Tensor i64 = aivm::make_tensor(DType::I64, s), i32 = aivm::make_tensor(DType::I32, s);
    const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
    for (int64_t i = 0; i < i64.numel(); ++i) {
      const int64_t r = int64_t(rng() % 7) - 3;
      i64.ptr<int64_t>()[i] = r == 3 ? hi : r == -3 ? lo : r;
      i32.ptr<int32_t>()[i] = int32_t(r * 1000);
    }
    check_against_reference<int64_t>(i64, DType::I64, "ties");
    check_against_reference<int32_t>(i32, DType::I32, "ties");
  }
  // Written out: the first NaN wins both; -0 and +0 tie; the last of a tie with select_last_index.
  Tensor x = tensor_f32({6}, {1.0f, NAN, 3.0f, NAN, -0.0f, 0.0f});
  CHECK(run_everywhere("ArgMax", {&x})[0].ptr<int64_t>()[0] == 1);
  CHECK(run_everywhere("ArgMin", {&x}, arg_attrs(0, 1, 1))[0].ptr<int64_t>()[0] == 3);
  Tensor z = tensor_f32({3}, {0.0f, -0.0f, 5.0f});
  CHECK(run_everywhere("ArgMin", {&z})[0].ptr<int64_t>()[0] == 0);
  CHECK(run_everywhere("ArgMin", {&z}, arg_attrs(0, 1, 1))[0].ptr<int64_t>()[0] == 1);
}

TEST(arg_contracts) {
  Tensor s = tensor_f32({}, {1.0f}), b = tensor_bool({2}, {0, 1}), e = aivm::make_tensor(DType::F32, {2, 0}), m = tensor_f32({2, 2}, {1, 2, 3, 4});
  for (const char* op : {"ArgMax", "ArgMin"}) {
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&s}));
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&b}));
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&e}, arg_attrs(1, 1, 0)));  // nothing to choose from
    CHECK(run(op, {&e}, arg_attrs(0, 0, 0))[0].shape == Shape{0});  // no output to choose for
    CHECK_THROWS_CODE(E_ATTR, run(op, {&m}, arg_attrs(2, 1, 0)));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&m}, arg_attrs(0, 2, 0)));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&m}, arg_attrs(0, 1, 5)));
    CHECK_THROWS_CODE(E_ARITY, run(op, {&m, &m}));
  }
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
