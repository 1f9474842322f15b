// ReduceSum, ReduceMean, ReduceMax, ReduceMin: bit equality across ISAs and
// threads for every subset of axes, the documented canonical order (written
// again here), accuracy against float64, integer wrapping, empty reductions,
// axes as attribute or input, and every error path.
#include <cmath>
#include <cstring>
#include <limits>

#include "test_util.h"

using namespace aivm;
using namespace aivm_test;

namespace {

Attrs keep(int64_t k) { return attrs1("keepdims", attr_int(k)); }

Tensor special_f32(const Shape& shape, uint64_t stream) {
  return with_specials(shape, stream, {0.0f, -0.0f, kInf, -kInf, kNaN, 1e-45f, -1e-40f, 3e38f, -3e38f, 100.0f}, 9, 3);
}

Tensor ints_tensor(DType dt, const Shape& shape, uint64_t stream, int64_t lo, int64_t hi) {
  Tensor t = make_tensor(dt, shape);
  for (int64_t i = 0; i < t.numel(); ++i) {
    int64_t v = int64_t(uint64_t(lo) + rng_u64(3, stream, uint64_t(i)) % (uint64_t(hi) - uint64_t(lo) + 1));
    if (dt == DType::I64) t.ptr<int64_t>()[i] = v;
    else t.ptr<int32_t>()[i] = int32_t(v);
  }
  return t;
}

// For every output (kept index, row-major) the reduced elements, enumerated in
// row-major order of the reduced axes: the documented canonical sequence.
template <class T>
std::vector<std::vector<T>> groups(const Tensor& x, const std::vector<bool>& red) {
  int rank = x.rank();
  std::vector<int64_t> strides(size_t(rank), 1);
  for (int d = rank - 2; d >= 0; --d) strides[size_t(d)] = strides[size_t(d) + 1] * x.shape[size_t(d) + 1];
  std::vector<int64_t> kept_dims, red_dims, kept_str, red_str;
  for (int d = 0; d < rank; ++d) {
    (red[size_t(d)] ? red_dims : kept_dims).push_back(x.shape[size_t(d)]);
    (red[size_t(d)] ? red_str : kept_str).push_back(strides[size_t(d)]);
  }
  auto count = [](const std::vector<int64_t>& d) {
    int64_t n = 1;
    for (int64_t v : d) n *= v;
    return n;
  };
  auto offset = [](int64_t idx, const std::vector<int64_t>& dims, const std::vector<int64_t>& str) {
    int64_t off = 0;
    for (size_t d = dims.size(); d-- > 0;) {
      off += (idx % dims[d]) * str[d];
      idx /= dims[d];
    }
    return off;
  };
  std::vector<std::vector<T>> out(size_t(count(kept_dims)));
  for (int64_t o = 0; o < count(kept_dims); ++o) {
    int64_t base = offset(o, kept_dims, kept_str);
    for (int64_t k = 0; k < count(red_dims); ++k) out[size_t(o)].push_back(x.ptr<T>()[base + offset(k, red_dims, red_str)]);
  }
  return out;
}

std::vector<bool> mask_of(int rank, const std::vector<int64_t>& axes) {
  std::vector<bool> m(size_t(rank), axes.empty());
  for (int64_t a : axes) m[size_t(a < 0 ? a + rank : a)] = true;
  return m;
}

// Checks float results of op against the documented order / exact max-min.
void check_float_reduce(const std::string& op, const Tensor& x, const std::vector<int64_t>& axes, bool as_input,
                        int64_t keepdims) {
  Attrs a = keep(keepdims);
  Tensor ax = vector_i64(axes);
  std::vector<Tensor> y;
  if (as_input) {
    y = run_everywhere(op, {&x, &ax}, a);
  } else {
    if (!axes.empty()) a.set("axes", attr_ints(axes));
    y = run_everywhere(op, {&x}, a);
  }
  std::vector<std::vector<float>> g = groups<float>(x, mask_of(x.rank(), axes));
  CHECK_MSG(size_t(y[0].numel()) == g.size(), op + ": output count");
  if (size_t(y[0].numel()) != g.size()) return;
  int bad = 0;
  for (size_t o = 0; o < g.size(); ++o) {
    float want;
    if (op == "ReduceSum") want = doc_canonical_sum(g[o]);
    else if (op == "ReduceMean") want = g[o].empty() ? kNaN : doc_canonical_sum(g[o]) / float(g[o].size());
    else {
      bool mx = op == "ReduceMax";
      want = mx ? -kInf : kInf;
      bool nan = false;
      for (float v : g[o]) {
        if (std::isnan(v)) nan = true;
        else if (mx ? (v > want || (v == want && !std::signbit(v))) : (v < want || (v == want && std::signbit(v)))) want = v;
      }
      if (nan) want = kNaN;
    }
    float got = y[0].ptr<float>()[o];
    bad += !same_bits_or_nan(got, want);
    if (std::isnan(got)) bad += bits_of(got) != kCanonNan;
  }
  std::string ax_s;
  for (int64_t v : axes) ax_s += std::to_string(v) + ",";
  CHECK_MSG(bad == 0, op + " " + shape_str(x.shape) + " axes {" + ax_s + "}: " + std::to_string(bad) + " outputs wrong");
}

}  // namespace

TEST(float_every_axis_subset_bits_and_order) {
  uint64_t stream = 100;
  for (const Shape& shape : {Shape{3, 17, 5, 7}, Shape{2, 33, 1, 70}, Shape{4, 3, 2, 100}}) {
    Tensor x = special_f32(shape, stream++);
    Tensor r = random_f32(shape, stream++, 3.0f);
    for (int mask = 0; mask < 16; ++mask) {
      std::vector<int64_t> axes;
      for (int d = 0; d < 4; ++d) {
        if (mask & (1 << d)) axes.push_back((mask & 1) ? d - 4 : d);  // some negative
      }
      for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"}) {
        check_float_reduce(op, x, axes, true, mask & 1);
        check_float_reduce(op, r, axes, (mask & 2) != 0, 1 - (mask & 1));
      }
    }
  }
}

TEST(float_odd_lengths) {
  uint64_t stream = 200;
  for (int64_t n : {1, 3, 7, 17, 31, 33, 1000, 1023, 4097}) {
    Tensor x = special_f32({3, n}, stream++);
    Tensor r = random_f32({n, 3}, stream++);
    for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"}) {
      check_float_reduce(op, x, {1}, true, 1);
      check_float_reduce(op, x, {0}, false, 0);
      check_float_reduce(op, r, {0}, true, 0);
      check_float_reduce(op, r, {}, true, 1);
    }
  }
  // Large single reduction (several threads' worth of outputs and one long run).
  Tensor big = random_f32({64, 4097}, 250);
  check_float_reduce("ReduceSum", big, {1}, true, 1);
  check_float_reduce("ReduceSum", big, {0}, true, 1);
}

// The canonical sum's error is bounded by (ceil(R/16) + 4) * 2^-24 * sum |x|
// (at most ceil(R/16) additions into a partial, then 4 tree levels, each
// adding a relative 2^-24 of the running magnitude): checked as an absolute
// bound per output; Mean adds one division (0.5 ulp).
TEST(float_accuracy_vs_double) {
  uint64_t stream = 300;
  for (const Shape& shape : {Shape{5, 4097}, Shape{33, 17, 9}, Shape{7, 1000}}) {
    Tensor x = random_f32(shape, stream++, 10.0f);
    int rank = x.rank();
    for (int d = 0; d < rank; ++d) {
      Tensor ax = tensor_i64({1}, {d});
      Tensor s = run("ReduceSum", {&x, &ax}, {}, available_isas().back(), 3)[0];
      Tensor m = run("ReduceMean", {&x, &ax})[0];
      std::vector<bool> red(size_t(rank), false);
      red[size_t(d)] = true;
      std::vector<std::vector<float>> g = groups<float>(x, red);
      int bad = 0;
      for (size_t o = 0; o < g.size(); ++o) {
        double ref = 0, mag = 0;
        for (float v : g[o]) {
          ref += v;
          mag += std::fabs(v);
        }
        double bound = (double((g[o].size() + 15) / 16) + 4) * std::ldexp(1.0, -24) * mag;
        bad += std::fabs(double(s.ptr<float>()[o]) - ref) > bound;
        double mref = ref / double(g[o].size());
        bad += std::fabs(double(m.ptr<float>()[o]) - mref) > bound / double(g[o].size()) + std::fabs(mref) * 0x1p-24;
      }
      CHECK_MSG(bad == 0, "accuracy " + shape_str(shape) + " axis " + std::to_string(d));
    }
  }
}

TEST(integer_reductions) {
  uint64_t stream = 400;
  for (DType dt : {DType::I32, DType::I64}) {
    for (const Shape& shape : {Shape{3, 17, 5}, Shape{1023}, Shape{2, 100, 33}}) {
      // Values near the type's limits so sums wrap.
      int64_t lim = dt == DType::I32 ? int64_t(2000000000) : int64_t(4000000000000000000);
      Tensor x = ints_tensor(dt, shape, stream++, -lim, lim);
      int rank = int(shape.size());
      for (int mask = 0; mask < (1 << rank); ++mask) {
        std::vector<int64_t> axes;
        for (int d = 0; d < rank; ++d)
          if (mask & (1 << d)) axes.push_back(d);
        Tensor ax = vector_i64(axes);
        std::vector<bool> red = mask_of(rank, axes);
        for (const char* op : {"ReduceSum", "ReduceMax", "ReduceMin"}) {
          Tensor y = run_everywhere(op, {&x, &ax}, keep(mask & 1))[0];
          CHECK(y.dtype == dt);
          int bad = 0;
          if (dt == DType::I32) {
            auto g = groups<int32_t>(x, red);
            for (size_t o = 0; o < g.size(); ++o) {
              uint32_t s = 0;
              int32_t mx = INT32_MIN, mn = INT32_MAX;
              for (int32_t v : g[o]) {
                s += uint32_t(v);
                mx = std::max(mx, v);
                mn = std::min(mn, v);
              }
              int32_t want = std::string(op) == "ReduceSum" ? int32_t(s) : std::string(op) == "ReduceMax" ? mx : mn;
              bad += y.ptr<int32_t>()[o] != want;
            }
          } else {
            auto g = groups<int64_t>(x, red);
            for (size_t o = 0; o < g.size(); ++o) {
              uint64_t s = 0;
              int64_t mx = INT64_MIN, mn = INT64_MAX;
              for (int64_t v : g[o]) {
                s += uint64_t(v);
                mx = std::max(mx, v);
                mn = std::min(mn, v);
              }
              int64_t want = std::string(op) == "ReduceSum" ? int64_t(s) : std::string(op) == "ReduceMax" ? mx : mn;
              bad += y.ptr<int64_t>()[o] != want;
            }
          }
          CHECK_MSG(bad == 0, std::string(op) + " " + dtype_name(dt) + " " + shape_str(shape) + " mask " +
                                  std::to_string(mask));
        }
      }
    }
  }
}

TEST(shapes_keepdims_noop_rank0) {
  Tensor x = random_f32({2, 3, 4}, 500);
  Tensor ax = tensor_i64({2}, {0, -1});
  CHECK((run("ReduceSum", {&x, &ax})[0].shape == Shape{1, 3, 1}));
  CHECK((run("ReduceSum", {&x, &ax}, keep(0))[0].shape == Shape{3}));
  CHECK((run("ReduceSum", {&x})[0].shape == Shape{1, 1, 1}));
  CHECK((run("ReduceMax", {&x}, keep(0))[0].shape == Shape{}));
  // Empty axes input: reduce everything, or the identity with noop_with_empty_axes.
  Tensor none = vector_i64({});
  CHECK((run("ReduceMean", {&x, &none}, keep(0))[0].shape == Shape{}));
  Attrs noop;
  noop.set("noop_with_empty_axes", attr_int(1));
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"}) {
    CHECK(same_bits(run_everywhere(op, {&x, &none}, noop)[0], x));
    CHECK(same_bits(run_everywhere(op, {&x}, noop)[0], x));
  }
  // Older form: axes attribute.
  Attrs aa;
  aa.set("axes", attr_ints({1}));
  CHECK(same_bits(run("ReduceMin", {&x}, aa)[0], run("ReduceMin", {&x, &(ax = tensor_i64({1}, {1}))})[0]));
  // Rank 0: the only "reduction" is of one element.
  Tensor s = tensor_f32({}, {-0.0f});
  s.shape = {};
  Tensor y = run_everywhere("ReduceSum", {&s}, {})[0];
  CHECK(y.shape.empty() && bits_of(y.ptr<float>()[0]) == 0x80000000u);
  Tensor nanv = tensor_f32({}, {kNaN});
  CHECK(bits_of(run_everywhere("ReduceMax", {&nanv}, {})[0].ptr<float>()[0]) == 0x7FC00000u);
}

TEST(signed_zero_and_special) {
  Tensor z = tensor_f32({3}, {-0.0f, -0.0f, -0.0f});
  CHECK(bits_of(run_everywhere("ReduceSum", {&z}, {})[0].ptr<float>()[0]) == 0x80000000u);
  Tensor pz = tensor_f32({2}, {-0.0f, 0.0f});
  CHECK(bits_of(run_everywhere("ReduceMax", {&pz}, {})[0].ptr<float>()[0]) == 0u);
  CHECK(bits_of(run_everywhere("ReduceMin", {&pz}, {})[0].ptr<float>()[0]) == 0x80000000u);
  Tensor inf = tensor_f32({2}, {kInf, -kInf});
  CHECK(bits_of(run_everywhere("ReduceSum", {&inf}, {})[0].ptr<float>()[0]) == 0x7FC00000u);
  Tensor big = tensor_f32({2}, {3e38f, 3e38f});
  CHECK(run_everywhere("ReduceSum", {&big}, {})[0].ptr<float>()[0] == kInf);
  CHECK(run_everywhere("ReduceMean", {&big}, {})[0].ptr<float>()[0] == kInf);  // sum overflows first
}

TEST(empty_reductions) {
  // A reduced dimension of size 0: Sum = +0, Mean = NaN, Max = -inf, Min = +inf
  // (ONNX 18), ints: 0, the type's minimum / maximum.
  Tensor x = make_tensor(DType::F32, {3, 0, 2});
  Tensor ax = tensor_i64({1}, {1});
  Tensor s = run_everywhere("ReduceSum", {&x, &ax}, {})[0];
  CHECK((s.shape == Shape{3, 1, 2}) && bits_of(s.ptr<float>()[5]) == 0u);
  CHECK(bits_of(run_everywhere("ReduceMean", {&x, &ax}, {})[0].ptr<float>()[0]) == 0x7FC00000u);
  CHECK(run_everywhere("ReduceMax", {&x, &ax}, {})[0].ptr<float>()[0] == -kInf);
  CHECK(run_everywhere("ReduceMin", {&x, &ax}, {})[0].ptr<float>()[0] == kInf);
  Tensor xi = make_tensor(DType::I32, {0, 4});
  Tensor a0 = tensor_i64({1}, {0});
  CHECK(run_everywhere("ReduceMax", {&xi, &a0}, {})[0].ptr<int32_t>()[3] == INT32_MIN);
  CHECK(run_everywhere("ReduceMin", {&xi, &a0}, {})[0].ptr<int32_t>()[3] == INT32_MAX);
  CHECK(run_everywhere("ReduceSum", {&xi, &a0}, {})[0].ptr<int32_t>()[3] == 0);
  // A kept dimension of size 0: the output is empty.
  Tensor a1 = tensor_i64({1}, {1});
  CHECK((run_everywhere("ReduceSum", {&xi, &a1}, keep(0))[0].shape == Shape{0}));
}

TEST(errors) {
  Tensor x = random_f32({2, 3}, 600);
  Tensor b = make_tensor(DType::BOOL, {2});
  Tensor xi = tensor_i64({2}, {1, 2});
  Tensor ax = tensor_i64({1}, {1});
  Tensor ax32 = make_tensor(DType::I32, {1});
  Tensor ax2d = tensor_i64({1, 1}, {1});
  Tensor out_of_range = tensor_i64({1}, {2});
  Tensor neg_out = tensor_i64({1}, {-3});
  Tensor repeated = tensor_i64({2}, {1, -1});
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"}) {
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&b}));
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&x, &ax32}));
    CHECK_THROWS_CODE(E_SHAPE, run(op, {&x, &ax2d}));
    CHECK_THROWS_CODE(E_INDEX, run(op, {&x, &out_of_range}));
    CHECK_THROWS_CODE(E_INDEX, run(op, {&x, &neg_out}));
    CHECK_THROWS_CODE(E_INDEX, run(op, {&x, &repeated}));
    Attrs both;
    both.set("axes", attr_ints({0}));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x, &ax}, both));
    Attrs bad_attr;
    bad_attr.set("axes", attr_ints({5}));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, bad_attr));
    Attrs rep_attr;
    rep_attr.set("axes", attr_ints({0, -2}));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, rep_attr));
    Attrs wrong_kind;
    wrong_kind.set("axes", attr_int(0));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, wrong_kind));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, keep(2)));
    Attrs noop;
    noop.set("noop_with_empty_axes", attr_int(-1));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, noop));
    Attrs unknown;
    unknown.set("axis", attr_int(0));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&x}, unknown));
    CHECK_THROWS_CODE(E_ARITY, run(op, {}));
    CHECK_THROWS_CODE(E_ARITY, run(op, {&x, &ax, &ax}));
  }
  CHECK_THROWS_CODE(E_DTYPE, run("ReduceMean", {&xi}));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
