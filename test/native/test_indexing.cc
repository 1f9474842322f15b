// The indexing ops (added in issue 13): Trilu, GatherElements and Pad, against their
// definitions written again here with explicit coordinates (not the engine's
// row walks), on float32 with NaN payloads and -0 (bits must move untouched),
// int64, int32 and bool. Every ISA x 1-4 threads and emulated CUDA must give the
// scalar run's bytes.
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include "test_util.h"

using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using aivm::shape_str;
using aivm::attr_string;
using namespace aivm_test;

namespace {

int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// Coordinates of flat index i in shape s.
std::vector<int64_t> coords(const Shape& s, int64_t i) {
  std::vector<int64_t> c(s.size());
  for (int d = int(s.size()) - 1; d >= 0; --d) {
    c[size_t(d)] = i % s[size_t(d)];
    i /= s[size_t(d)];
  }
  return c;
}

int64_t flat(const Shape& s, const std::vector<int64_t>& c) {
  int64_t i = 0;
  for (size_t d = 0; d < s.size(); ++d) i = i * s[d] + c[d];
  return i;
}

// Random bits for any dtype, with float specials: NaN payloads, -0, infinities.
Tensor random_bits(DType dtype, const Shape& shape, uint64_t seed) {
  Tensor t = aivm::make_tensor(dtype, shape);
  std::mt19937_64 rng(seed);
  uint8_t* p = static_cast<uint8_t*>(t.data);
  for (size_t b = 0; b < t.nbytes(); ++b) p[b] = uint8_t(rng());
  if (dtype == DType::BOOL) for (size_t b = 0; b < t.nbytes(); ++b) p[b] &= 1;
  if (dtype == DType::F32) {
    const uint32_t specials[] = {0x80000000u, 0x7fc00001u, 0xffbfffffu, 0x7f800000u};
    for (int64_t i = 0; i < t.numel(); i += 5) std::memcpy(p + 4 * i, &specials[(i / 5) % 4], 4);
  }
  return t;
}

bool element_equal(const Tensor& a, int64_t i, const Tensor& b, int64_t j) {
  const size_t es = aivm::dtype_size(a.dtype);
  return std::memcmp(static_cast<const uint8_t*>(a.data) + size_t(i) * es, static_cast<const uint8_t*>(b.data) + size_t(j) * es, es) == 0;
}

bool element_zero(const Tensor& a, int64_t i) {
  const size_t es = aivm::dtype_size(a.dtype);
  const uint8_t* p = static_cast<const uint8_t*>(a.data) + size_t(i) * es;
  for (size_t b = 0; b < es; ++b) if (p[b] != 0) return false;
  return true;
}

aivm::Attrs int_attr(const char* name, int64_t v) { return attrs1(name, attr_int(v)); }

}  // namespace

TEST(trilu_against_its_definition) {
  const std::vector<Shape> shapes = {{3, 4}, {5, 2}, {2, 3, 3}, {1, 1}, {0, 4}, {2, 0, 3}, {3, 200, 130}};
  const int64_t ks[] = {0, 1, -1, 2, -3, 100, -100, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
  uint64_t seed = 1400;
  for (DType dt : {DType::F32, DType::I64, DType::I32, DType::BOOL}) {
    for (const Shape& s : shapes) {
      Tensor x = random_bits(dt, s, seed++);
      for (int64_t k : ks) {
        Tensor kt = aivm::make_tensor(DType::I64, {});
        kt.ptr<int64_t>()[0] = k;
        for (int64_t upper : {0, 1}) {
          const std::vector<Tensor> y = run_everywhere("Trilu", {&x, &kt}, int_attr("upper", upper));
          bool ok = y[0].shape == s && y[0].dtype == dt;
          for (int64_t e = 0; ok && e < numel_of(s); ++e) {
            const std::vector<int64_t> c = coords(s, e);
            const __int128 diff = __int128(c[s.size() - 1]) - __int128(c[s.size() - 2]);
            const bool keep = upper ? diff >= k : diff <= k;
            ok = keep ? element_equal(y[0], e, x, e) : element_zero(y[0], e);
          }
          CHECK_MSG(ok, std::string("Trilu ") + aivm::dtype_name(dt) + " " + shape_str(s) + " k=" + std::to_string(k) +
                            " upper=" + std::to_string(upper));
        }
      }
    }
  }
  // Without k, upper by default: ONNX's example.
  Tensor m = tensor_f32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const std::vector<Tensor> u = run_everywhere("Trilu", {&m});
  CHECK((std::vector<float>(u[0].ptr<float>(), u[0].ptr<float>() + 9) == std::vector<float>{1, 2, 3, 0, 5, 6, 0, 0, 9}));
  const std::vector<Tensor> l = run_everywhere("Trilu", {&m, nullptr}, int_attr("upper", 0));
  CHECK((std::vector<float>(l[0].ptr<float>(), l[0].ptr<float>() + 9) == std::vector<float>{1, 0, 0, 4, 5, 0, 7, 8, 9}));
  CHECK(!std::signbit(l[0].ptr<float>()[1]));  // the zero written is +0
}

TEST(gather_elements_against_its_definition) {
  struct Case {
    Shape data, indices;
    int64_t axis;
  };
  const std::vector<Case> cases = {{{3, 3}, {2, 3}, 0}, {{3, 3}, {3, 2}, 1}, {{3, 3}, {3, 2}, -1}, {{2, 3, 4}, {2, 5, 3}, 1},
                                   {{2, 3, 4}, {1, 2, 7}, 2}, {{4, 3, 5}, {6, 3, 5}, 0}, {{5}, {9}, 0}, {{3, 4}, {0, 4}, 0},
                                   {{300, 70}, {500, 61}, 0}, {{70, 300}, {61, 500}, -1}};
  uint64_t seed = 1500;
  for (DType dt : {DType::F32, DType::I64, DType::BOOL}) {
    for (const Case& c : cases) {
      Tensor x = random_bits(dt, c.data, seed++);
      const int rank = int(c.data.size());
      const int axis = int(c.axis < 0 ? c.axis + rank : c.axis);
      const int64_t dim = c.data[size_t(axis)];
      for (DType it : {DType::I64, DType::I32}) {
        Tensor idx = aivm::make_tensor(it, c.indices);
        std::mt19937_64 rng(seed++);
        std::vector<int64_t> vals(size_t(idx.numel()));
        for (int64_t& v : vals) v = int64_t(rng() % uint64_t(2 * dim)) - dim;  // [-dim, dim)
        for (size_t i = 0; i < vals.size(); ++i) {
          if (it == DType::I64) idx.ptr<int64_t>()[i] = vals[i];
          else idx.ptr<int32_t>()[i] = int32_t(vals[i]);
        }
        const std::vector<Tensor> y = run_everywhere("GatherElements", {&x, &idx}, int_attr("axis", c.axis));
        bool ok = y[0].shape == c.indices && y[0].dtype == dt;
        for (int64_t e = 0; ok && e < idx.numel(); ++e) {
          std::vector<int64_t> at = coords(c.indices, e);
          at[size_t(axis)] = vals[size_t(e)] < 0 ? vals[size_t(e)] + dim : vals[size_t(e)];
          ok = element_equal(y[0], e, x, flat(c.data, at));
        }
        CHECK_MSG(ok, std::string("GatherElements ") + aivm::dtype_name(dt) + " data " + shape_str(c.data) + " indices " +
                          shape_str(c.indices) + " axis " + std::to_string(c.axis));
      }
    }
  }
  // ONNX's example: axis 1.
  Tensor d = tensor_f32({2, 2}, {1, 2, 3, 4});
  Tensor i = tensor_i64({2, 2}, {0, 0, 1, 0});
  const std::vector<Tensor> y = run_everywhere("GatherElements", {&d, &i}, int_attr("axis", 1));
  CHECK((std::vector<float>(y[0].ptr<float>(), y[0].ptr<float>() + 4) == std::vector<float>{1, 1, 4, 3}));
}

// Pad's source of output coordinate o along one axis, written as onnxruntime
// does it: crop first (negative pads), then numpy's pad of what is left, with the
// reflection applied step by step rather than as a period.
int64_t pad_source_ref(int64_t o, int64_t dim, int64_t pb, int64_t pe, const std::string& mode) {
  const int64_t start = pb < 0 ? -pb : 0, kept = dim - start - (pe < 0 ? -pe : 0);
  int64_t j = o - (pb > 0 ? pb : 0);
  if (j >= 0 && j < kept) return start + j;
  if (mode == "constant") return -1;
  if (mode == "edge") return start + (j < 0 ? 0 : kept - 1);
  if (mode == "wrap") {
    while (j < 0) j += kept;
    while (j >= kept) j -= kept;
    return start + j;
  }
  if (kept == 1) return start;
  while (j < 0 || j >= kept) j = j < 0 ? -j : 2 * (kept - 1) - j;
  return start + j;
}

TEST(pad_against_its_definition) {
  struct Case {
    Shape shape;
    std::vector<int64_t> pads;
  };
  const std::vector<Case> cases = {{{3, 2}, {0, 2, 0, 0}}, {{3, 2}, {2, 1, 1, 1}}, {{4}, {3, 5}}, {{2, 3, 4}, {1, 0, 2, 0, 3, 1}},
                                   {{5, 4}, {-1, 2, 1, -2}}, {{5, 4}, {-2, -1, -3, 0}}, {{1, 3}, {2, 4, 3, 2}}, {{2, 3}, {0, 0, 0, 0}},
                                   {{3, 1}, {7, 9, 0, 8}}, {{64, 300}, {3, 2, 1, 5}}};
  uint64_t seed = 1700;
  for (const std::string mode : {"constant", "reflect", "edge", "wrap"}) {
    for (const Case& c : cases) {
      for (DType dt : {DType::F32, DType::I64, DType::BOOL}) {
        Tensor x = random_bits(dt, c.shape, seed++);
        Tensor pads = tensor_i64({int64_t(c.pads.size())}, c.pads);
        Tensor value = random_bits(dt, {}, seed++);
        const int rank = int(c.shape.size());
        Shape out(c.shape);
        for (int d = 0; d < rank; ++d) out[size_t(d)] += c.pads[size_t(d)] + c.pads[size_t(d + rank)];
        const std::vector<Tensor> y = run_everywhere("Pad", {&x, &pads, &value}, attrs1("mode", attr_string(mode)));
        bool ok = y[0].shape == out && y[0].dtype == dt;
        for (int64_t e = 0; ok && e < numel_of(out); ++e) {
          const std::vector<int64_t> oc = coords(out, e);
          std::vector<int64_t> ic(static_cast<size_t>(rank));
          bool constant = false;
          for (int d = 0; d < rank; ++d) {
            ic[size_t(d)] = pad_source_ref(oc[size_t(d)], c.shape[size_t(d)], c.pads[size_t(d)], c.pads[size_t(d + rank)], mode);
            constant = constant || ic[size_t(d)] < 0;
          }
          ok = constant ? element_equal(y[0], e, value, 0) : element_equal(y[0], e, x, flat(c.shape, ic));
        }
        CHECK_MSG(ok, "Pad " + mode + " " + aivm::dtype_name(dt) + " " + shape_str(c.shape));
      }
    }
  }
  // ONNX's examples.
  Tensor x = tensor_f32({3, 2}, {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f});
  Tensor p = tensor_i64({4}, {0, 2, 0, 0}), pw = tensor_i64({4}, {2, 1, 1, 1});
  auto values = [](const Tensor& t) { return std::vector<float>(t.ptr<float>(), t.ptr<float>() + t.numel()); };
  CHECK((values(run_everywhere("Pad", {&x, &p})[0]) == std::vector<float>{0, 0, 1.0f, 1.2f, 0, 0, 2.3f, 3.4f, 0, 0, 4.5f, 5.7f}));
  CHECK((values(run_everywhere("Pad", {&x, &p}, attrs1("mode", attr_string("reflect")))[0]) ==
         std::vector<float>{1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f}));
  CHECK((values(run_everywhere("Pad", {&x, &p}, attrs1("mode", attr_string("edge")))[0]) ==
         std::vector<float>{1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f}));
  CHECK((values(run_everywhere("Pad", {&x, &pw}, attrs1("mode", attr_string("wrap")))[0]) ==
         std::vector<float>{3.4f, 2.3f, 3.4f, 2.3f, 5.7f, 4.5f, 5.7f, 4.5f, 1.2f, 1.0f, 1.2f, 1.0f,
                            3.4f, 2.3f, 3.4f, 2.3f, 5.7f, 4.5f, 5.7f, 4.5f, 1.2f, 1.0f, 1.2f, 1.0f}));
  // axes (opset 18): pads for the named axes only, negative axes too.
  Tensor pa = tensor_i64({2}, {1, 2}), axes = tensor_i64({1}, {-1});
  const std::vector<Tensor> ya = run_everywhere("Pad", {&x, &pa, nullptr, &axes});
  CHECK(ya[0].shape == (Shape{3, 5}) && values(ya[0])[0] == 0.0f && values(ya[0])[1] == 1.0f);
  Tensor s = tensor_f32({}, {7.0f}), none = aivm::make_tensor(DType::I64, {0});
  CHECK(values(run_everywhere("Pad", {&s, &none})[0]) == std::vector<float>{7.0f});
}

TEST(indexing_contracts) {
  Tensor v = tensor_f32({3}, {1, 2, 3}), m = tensor_f32({2, 2}, {1, 2, 3, 4});
  Tensor k32 = tensor_i32({}, {1}), k2 = tensor_i64({2}, {1, 2});
  CHECK_THROWS_CODE(E_SHAPE, run("Trilu", {&v}));
  CHECK_THROWS_CODE(E_DTYPE, run("Trilu", {&m, &k32}));
  CHECK_THROWS_CODE(E_SHAPE, run("Trilu", {&m, &k2}));
  CHECK_THROWS_CODE(E_ATTR, run("Trilu", {&m}, int_attr("upper", 2)));
  CHECK_THROWS_CODE(E_ARITY, run("Trilu", {}));

  Tensor i_ok = tensor_i64({2, 2}, {0, 1, 1, 0}), i_far = tensor_i64({2, 2}, {0, 2, 1, 0}), i_neg = tensor_i64({2, 2}, {0, -3, 1, 0});
  Tensor i_rank = tensor_i64({4}, {0, 1, 1, 0}), i_wide = tensor_i64({2, 3}, {0, 1, 1, 0, 0, 0}), i_f = tensor_f32({2, 2}, {0, 1, 1, 0});
  CHECK_THROWS_CODE(E_INDEX, run("GatherElements", {&m, &i_far}, int_attr("axis", 1)));
  CHECK_THROWS_CODE(E_INDEX, run("GatherElements", {&m, &i_neg}, int_attr("axis", 0)));
  CHECK_THROWS_CODE(E_SHAPE, run("GatherElements", {&m, &i_rank}));
  CHECK_THROWS_CODE(E_SHAPE, run("GatherElements", {&m, &i_wide}, int_attr("axis", 0)));  // wider than data off the axis
  CHECK_THROWS_CODE(E_DTYPE, run("GatherElements", {&m, &i_f}));
  CHECK_THROWS_CODE(E_ATTR, run("GatherElements", {&m, &i_ok}, int_attr("axis", 2)));
  Tensor empty_axis = aivm::make_tensor(DType::F32, {2, 0});
  CHECK_THROWS_CODE(E_INDEX, run("GatherElements", {&empty_axis, &i_ok}, int_attr("axis", 1)));
  // Pad: pads' count, dtype and rank; crops past the axis; a mode with nothing to repeat; the constant's dtype.
  Tensor p4 = tensor_i64({4}, {0, 1, 0, 1}), p3 = tensor_i64({3}, {0, 1, 0}), p32 = tensor_i32({4}, {0, 1, 0, 1});
  Tensor crop = tensor_i64({4}, {-2, 0, -1, 0}), huge = tensor_i64({4}, {0, int64_t(1) << 40, 0, 0});
  Tensor empty_cols = aivm::make_tensor(DType::F32, {2, 0}), c_i64 = tensor_i64({}, {1}), c_2 = tensor_f32({2}, {1, 2});
  Tensor dup = tensor_i64({2}, {0, -2}), p_ax = tensor_i64({4}, {1, 1, 1, 1}), bad_ax = tensor_i64({1}, {2});
  CHECK_THROWS_CODE(E_SHAPE, run("Pad", {&m, &p3}));
  CHECK_THROWS_CODE(E_DTYPE, run("Pad", {&m, &p32}));
  CHECK_THROWS_CODE(E_VALUE, run("Pad", {&m, &crop}));
  CHECK_THROWS_CODE(E_VALUE, run("Pad", {&m, &huge}));
  CHECK_THROWS_CODE(E_VALUE, run("Pad", {&empty_cols, &p4}, attrs1("mode", attr_string("reflect"))));
  CHECK(run("Pad", {&empty_cols, &p4})[0].shape == (Shape{2, 2}));  // constant mode fills an empty axis
  CHECK_THROWS_CODE(E_DTYPE, run("Pad", {&m, &p4, &c_i64}));
  CHECK_THROWS_CODE(E_SHAPE, run("Pad", {&m, &p4, &c_2}));
  CHECK_THROWS_CODE(E_VALUE, run("Pad", {&m, &p_ax, nullptr, &dup}));
  CHECK_THROWS_CODE(E_VALUE, run("Pad", {&m, &p4, nullptr, &bad_ax}));
  CHECK_THROWS_CODE(E_ATTR, run("Pad", {&m, &p4}, attrs1("mode", attr_string("mirror"))));
  // Its source tables are bounded even when the output is empty: [0, 2^33 + 1] is refused, not built.
  Tensor empty_rows = aivm::make_tensor(DType::F32, {0, 1}), wide = tensor_i64({4}, {0, 0, 0, int64_t(1) << 33});
  CHECK_THROWS_CODE(E_TOO_LARGE, run("Pad", {&empty_rows, &wide}));
  // Larger along the axis is allowed (indices may repeat).
  Tensor i_tall = tensor_i64({3, 2}, {0, 1, 1, 0, 1, 1});
  CHECK(run("GatherElements", {&m, &i_tall}, int_attr("axis", 0))[0].shape == (Shape{3, 2}));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
