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

// ---- ScatterElements, ScatterND, TensorScatter, TopK ----------------------------------

// One reduction step written again: float32 through float64 (a single + or * of two
// floats rounded once to float32 is the IEEE float32 result), NaN results canonical;
// max/min: NaN wins (canonical), +0 > -0; integers wrap.
uint32_t ref_combine_f32(const std::string& red, uint32_t acc_bits, uint32_t u_bits) {
  if (red == "none") return u_bits;
  const float a = from_bits(acc_bits), u = from_bits(u_bits);
  float r;
  if (red == "add") r = float(double(a) + double(u));
  else if (red == "mul") r = float(double(a) * double(u));
  else if (std::isnan(a) || std::isnan(u)) r = kNaN;
  else if (a == u) r = (red == "max") == bool(std::signbit(a)) ? u : a;  // max: the one with sign 0; min: sign 1
  else r = red == "max" ? (a > u ? a : u) : (a < u ? a : u);
  return std::isnan(r) ? kCanonNan : bits_of(r);
}

int64_t ref_combine_i64(const std::string& red, int64_t a, int64_t u) {
  if (red == "none") return u;
  if (red == "add") return int64_t(uint64_t(a) + uint64_t(u));
  if (red == "mul") return int64_t(uint64_t(a) * uint64_t(u));
  if (red == "max") return a > u ? a : u;
  return a < u ? a : u;
}

// data with the updates applied one by one in updates' index order; target(e) is the
// flat data offset of update e.
template <class Target> Tensor ref_scatter(const Tensor& data, const Tensor& upd, const std::string& red, Target target) {
  Tensor y = aivm::make_tensor(data.dtype, data.shape);
  std::memcpy(y.data, data.data, data.nbytes());
  const size_t es = aivm::dtype_size(data.dtype);
  for (int64_t e = 0; e < upd.numel(); ++e) {
    const int64_t t = target(e);
    uint8_t* dst = static_cast<uint8_t*>(y.data) + size_t(t) * es;
    const uint8_t* src = static_cast<const uint8_t*>(upd.data) + size_t(e) * es;
    if (data.dtype == DType::F32) {
      uint32_t a, u;
      std::memcpy(&a, dst, 4);
      std::memcpy(&u, src, 4);
      const uint32_t r = ref_combine_f32(red, a, u);
      std::memcpy(dst, &r, 4);
    } else if (data.dtype == DType::I64) {
      int64_t a, u;
      std::memcpy(&a, dst, 8);
      std::memcpy(&u, src, 8);
      const int64_t r = ref_combine_i64(red, a, u);
      std::memcpy(dst, &r, 8);
    } else if (data.dtype == DType::I32) {
      int32_t a, u;
      std::memcpy(&a, dst, 4);
      std::memcpy(&u, src, 4);
      const int32_t r = int32_t(uint32_t(ref_combine_i64(red, a, u)));  // wraps as int32
      std::memcpy(dst, &r, 4);
    } else {
      std::memcpy(dst, src, es);  // none: bits move
    }
  }
  return y;
}

// Small integers as float32 (many duplicates and exact products), with NaN payloads and signed zeros.
Tensor small_values(DType dt, const Shape& s, uint64_t seed) {
  if (dt == DType::BOOL) return random_bits(dt, s, seed);
  Tensor t = aivm::make_tensor(dt, s);
  std::mt19937_64 rng(seed);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int64_t v = int64_t(rng() % 7) - 3;
    if (dt == DType::F32) {
      const uint32_t specials[] = {0x80000000u, 0x7fc00001u, 0xffbfffffu, 0x7f800000u, 0};
      float f = float(v) * 0.75f;
      std::memcpy(t.ptr<float>() + i, &f, 4);
      if (rng() % 9 == 0) std::memcpy(t.ptr<float>() + i, &specials[rng() % 5], 4);
    } else if (dt == DType::I64) {
      t.ptr<int64_t>()[i] = rng() % 11 == 0 ? std::numeric_limits<int64_t>::max() - 3 - v : v;
    } else {
      t.ptr<int32_t>()[i] = rng() % 11 == 0 ? std::numeric_limits<int32_t>::max() - 3 - int32_t(v) : int32_t(v);
    }
  }
  return t;
}

Tensor index_tensor(DType it, const Shape& s, const std::vector<int64_t>& vals) {
  Tensor idx = aivm::make_tensor(it, s);
  for (size_t i = 0; i < vals.size(); ++i) {
    if (it == DType::I64) idx.ptr<int64_t>()[i] = vals[i];
    else idx.ptr<int32_t>()[i] = int32_t(vals[i]);
  }
  return idx;
}

const char* const kReductions[] = {"none", "add", "mul", "max", "min"};

TEST(scatter_elements_against_its_definition) {
  struct Case {
    Shape data, indices;
    int64_t axis;
  };
  const std::vector<Case> cases = {{{3, 3}, {2, 3}, 0}, {{3, 3}, {3, 2}, 1}, {{3, 3}, {3, 2}, -1}, {{2, 3, 4}, {2, 5, 3}, 1},
                                   {{2, 3, 4}, {1, 2, 7}, 2}, {{4, 3, 5}, {6, 3, 5}, 0}, {{5}, {9}, 0}, {{3, 4}, {0, 4}, 0},
                                   {{30, 70}, {500, 61}, 0}, {{70, 30}, {61, 500}, -1}};
  uint64_t seed = 2100;
  for (const char* red : kReductions) {
    for (DType dt : {DType::F32, DType::I64, DType::I32, DType::BOOL}) {
      if (dt == DType::BOOL && std::string(red) != "none") continue;
      for (const Case& c : cases) {
        Tensor x = small_values(dt, c.data, seed++);
        const int rank = int(c.data.size());
        const int axis = int(c.axis < 0 ? c.axis + rank : c.axis);
        const int64_t dim = c.data[size_t(axis)];
        for (DType it : {DType::I64, DType::I32}) {
          std::mt19937_64 rng(seed++);
          std::vector<int64_t> vals(size_t(numel_of(c.indices)));
          for (int64_t& v : vals) v = int64_t(rng() % uint64_t(2 * dim)) - dim;  // [-dim, dim): duplicates and negatives
          Tensor idx = index_tensor(it, c.indices, vals);
          Tensor upd = small_values(dt, c.indices, seed++);
          aivm::Attrs at = int_attr("axis", c.axis);
          at.set("reduction", attr_string(red));
          const std::vector<Tensor> y = run_everywhere("ScatterElements", {&x, &idx, &upd}, at);
          Tensor want = ref_scatter(x, upd, red, [&](int64_t e) {
            std::vector<int64_t> p = coords(c.indices, e);
            p[size_t(axis)] = vals[size_t(e)] < 0 ? vals[size_t(e)] + dim : vals[size_t(e)];
            return flat(c.data, p);
          });
          CHECK_MSG(y[0].shape == c.data && y[0].dtype == dt && same_bits(y[0], want),
                    std::string("ScatterElements ") + red + " " + aivm::dtype_name(dt) + " data " + shape_str(c.data) + " indices " +
                        shape_str(c.indices) + " axis " + std::to_string(c.axis));
        }
      }
    }
  }
  // ONNX's examples; duplicates: the last update wins with none, add sums in order.
  Tensor d = tensor_f32({1, 5}, {1, 2, 3, 4, 5}), i = tensor_i64({1, 2}, {1, 3}), u = tensor_f32({1, 2}, {1.1f, 2.1f});
  auto values = [](const Tensor& t) { return std::vector<float>(t.ptr<float>(), t.ptr<float>() + t.numel()); };
  CHECK((values(run_everywhere("ScatterElements", {&d, &i, &u}, int_attr("axis", 1))[0]) == std::vector<float>{1, 1.1f, 3, 2.1f, 5}));
  Tensor dup = tensor_i64({1, 2}, {1, 1});
  CHECK((values(run_everywhere("ScatterElements", {&d, &dup, &u}, int_attr("axis", 1))[0]) == std::vector<float>{1, 2.1f, 3, 4, 5}));
  aivm::Attrs add = int_attr("axis", 1);
  add.set("reduction", attr_string("add"));
  CHECK((values(run_everywhere("ScatterElements", {&d, &dup, &u}, add)[0]) == std::vector<float>{1, (2 + 1.1f) + 2.1f, 3, 4, 5}));
  // The order is the updates' order: (1e8 + 1) + -1e8 loses the 1 in float32 where (1e8 - 1e8) + 1 would not.
  Tensor big = tensor_f32({1}, {1.0f}), three = tensor_i64({2}, {0, 0}), bu = tensor_f32({2}, {1e8f, -1e8f});
  CHECK(values(run_everywhere("ScatterElements", {&big, &three, &bu}, attrs1("reduction", attr_string("add")))[0]) == std::vector<float>{0.0f});
}

TEST(scatter_nd_against_its_definition) {
  struct Case {
    Shape data, indices;
  };
  const std::vector<Case> cases = {{{8}, {4, 1}}, {{4, 4, 4}, {2, 1}}, {{4, 4, 4}, {3, 2}}, {{4, 4, 4}, {2, 3, 3}}, {{3, 5}, {7, 2}},
                                   {{3, 5}, {0, 1}}, {{2, 3}, {4, 0}}, {{40, 60}, {300, 1}}, {{40, 60}, {2000, 2}}};
  uint64_t seed = 2300;
  for (const char* red : kReductions) {
    for (DType dt : {DType::F32, DType::I64, DType::I32, DType::BOOL}) {
      if (dt == DType::BOOL && std::string(red) != "none") continue;
      for (const Case& c : cases) {
        Tensor x = small_values(dt, c.data, seed++);
        const int64_t k = c.indices.back();
        Shape us(c.indices.begin(), c.indices.end() - 1);
        us.insert(us.end(), c.data.begin() + k, c.data.end());
        int64_t slice = 1;
        for (size_t dd = size_t(k); dd < c.data.size(); ++dd) slice *= c.data[dd];
        for (DType it : {DType::I64, DType::I32}) {
          std::mt19937_64 rng(seed++);
          std::vector<int64_t> vals(size_t(numel_of(c.indices)));
          for (size_t v = 0; v < vals.size(); ++v) {
            const int64_t dim = c.data[v % size_t(k)];
            vals[v] = int64_t(rng() % uint64_t(2 * dim)) - dim;
          }
          Tensor idx = index_tensor(it, c.indices, vals);
          Tensor upd = small_values(dt, us, seed++);
          const std::vector<Tensor> y = run_everywhere("ScatterND", {&x, &idx, &upd}, attrs1("reduction", attr_string(red)));
          Tensor want = ref_scatter(x, upd, red, [&](int64_t e) {
            const int64_t j = e / slice, r = e % slice;
            std::vector<int64_t> p(c.data.size(), 0);
            for (int64_t dd = 0; dd < k; ++dd) {
              const int64_t v = vals[size_t(j * k + dd)], dim = c.data[size_t(dd)];
              p[size_t(dd)] = v < 0 ? v + dim : v;
            }
            return flat(c.data, p) + r;
          });
          CHECK_MSG(y[0].shape == c.data && y[0].dtype == dt && same_bits(y[0], want),
                    std::string("ScatterND ") + red + " " + aivm::dtype_name(dt) + " data " + shape_str(c.data) + " indices " +
                        shape_str(c.indices));
        }
      }
    }
  }
  // ONNX's first example: elements of a vector replaced.
  Tensor d = tensor_f32({8}, {1, 2, 3, 4, 5, 6, 7, 8}), i = tensor_i64({4, 1}, {4, 3, 1, 7}), u = tensor_f32({4}, {9, 10, 11, 12});
  const std::vector<Tensor> y = run_everywhere("ScatterND", {&d, &i, &u});
  CHECK((std::vector<float>(y[0].ptr<float>(), y[0].ptr<float>() + 8) == std::vector<float>{1, 11, 3, 10, 9, 6, 7, 12}));
}

TEST(tensor_scatter_against_its_definition) {
  struct Case {
    Shape past;
    int64_t axis, seq;
  };
  const std::vector<Case> cases = {{{2, 5, 3}, -2, 2}, {{2, 5, 3}, 1, 5}, {{3, 2, 7, 4}, 2, 3}, {{2, 4}, 1, 1}, {{2, 6, 3}, 1, 0},
                                   {{1, 3, 8, 2}, -1, 2}, {{2, 3, 200, 16}, 2, 37}};
  uint64_t seed = 2500;
  for (const std::string mode : {"linear", "circular"}) {
    for (DType dt : {DType::F32, DType::I64, DType::BOOL}) {
      for (const Case& c : cases) {
        const int rank = int(c.past.size());
        const int axis = int(c.axis < 0 ? c.axis + rank : c.axis);
        const int64_t max_len = c.past[size_t(axis)];
        Shape us = c.past;
        us[size_t(axis)] = c.seq;
        Tensor past = random_bits(dt, c.past, seed++), upd = random_bits(dt, us, seed++);
        std::mt19937_64 rng(seed++);
        std::vector<int64_t> w(size_t(c.past[0]));
        for (int64_t& v : w) v = mode == "linear" ? int64_t(rng() % uint64_t(max_len - c.seq + 1)) : int64_t(rng() % 40) - 20;
        Tensor wt = tensor_i64({c.past[0]}, w);
        aivm::Attrs at = int_attr("axis", c.axis);
        at.set("mode", attr_string(mode));
        for (bool with_w : {true, false}) {
          const std::vector<Tensor> y = run_everywhere("TensorScatter", {&past, &upd, with_w ? &wt : nullptr}, at);
          // The ONNX pseudocode: for each prefix and sequence index, present[(prefix, w + s) mod] = update[(prefix, s)].
          Tensor want = aivm::make_tensor(dt, c.past);
          std::memcpy(want.data, past.data, past.nbytes());
          const size_t es = aivm::dtype_size(dt);
          for (int64_t e = 0; e < upd.numel(); ++e) {
            std::vector<int64_t> p = coords(us, e);
            int64_t q = (with_w ? w[size_t(p[0])] : 0) + p[size_t(axis)];
            if (mode == "circular") q = ((q % max_len) + max_len) % max_len;
            p[size_t(axis)] = q;
            std::memcpy(static_cast<uint8_t*>(want.data) + size_t(flat(c.past, p)) * es, static_cast<const uint8_t*>(upd.data) + size_t(e) * es, es);
          }
          CHECK_MSG(y[0].shape == c.past && same_bits(y[0], want), "TensorScatter " + mode + " " + aivm::dtype_name(dt) + " " + shape_str(c.past));
        }
      }
    }
  }
}

// TopK's reference: a stable sort of the line by value (NaN above every number), descending
// for largest, ascending for smallest; ties keep index order.
template <class T> void topk_ref(const std::vector<T>& line, bool largest, std::vector<int64_t>* order) {
  order->resize(line.size());
  for (size_t i = 0; i < line.size(); ++i) (*order)[i] = int64_t(i);
  auto key_less = [](T a, T b) {  // a < b with NaN the greatest
    if (a != a) return false;
    if (b != b) return true;
    return a < b;
  };
  std::stable_sort(order->begin(), order->end(), [&](int64_t a, int64_t b) {
    return largest ? key_less(line[size_t(b)], line[size_t(a)]) : key_less(line[size_t(a)], line[size_t(b)]);
  });
}

TEST(topk_against_its_definition) {
  struct Case {
    Shape shape;
    int64_t axis;
  };
  const std::vector<Case> cases = {{{7}, 0}, {{3, 4}, 1}, {{3, 4}, 0}, {{2, 5, 3}, -2}, {{4, 1, 6}, 2}, {{3, 0}, 1}, {{0, 3}, 1}, {{20, 300}, -1}, {{300, 7}, 0}};
  uint64_t seed = 2700;
  for (DType dt : {DType::F32, DType::I64, DType::I32}) {
    for (const Case& c : cases) {
      Tensor x = small_values(dt, c.shape, seed++);
      const int rank = int(c.shape.size());
      const int axis = int(c.axis < 0 ? c.axis + rank : c.axis);
      const int64_t n = c.shape[size_t(axis)];
      for (int64_t k : {int64_t(0), int64_t(1), n / 2, n}) {
        if (k > n) continue;
        for (int64_t largest : {0, 1}) {
          for (int64_t sorted : {0, 1}) {
            Tensor kt = tensor_i64({1}, {k});
            aivm::Attrs at = int_attr("axis", c.axis);
            at.set("largest", attr_int(largest));
            at.set("sorted", attr_int(sorted));
            const std::vector<Tensor> y = run_everywhere("TopK", {&x, &kt}, at);
            Shape os = c.shape;
            os[size_t(axis)] = k;
            bool ok = y.size() == 2 && y[0].shape == os && y[1].shape == os && y[0].dtype == dt && y[1].dtype == DType::I64;
            for (int64_t e = 0; ok && e < numel_of(os); ++e) {
              std::vector<int64_t> p = coords(os, e);
              const int64_t j = p[size_t(axis)];
              std::vector<int64_t> order;
              if (dt == DType::F32) {
                std::vector<float> line(static_cast<size_t>(n));
                for (int64_t a = 0; a < n; ++a) { p[size_t(axis)] = a; line[size_t(a)] = x.ptr<float>()[flat(c.shape, p)]; }
                topk_ref(line, largest == 1, &order);
                const float v = line[size_t(order[size_t(j)])];
                ok = y[1].ptr<int64_t>()[e] == order[size_t(j)] && bits_of(y[0].ptr<float>()[e]) == (std::isnan(v) ? kCanonNan : bits_of(v));
              } else if (dt == DType::I64) {
                std::vector<int64_t> line(static_cast<size_t>(n));
                for (int64_t a = 0; a < n; ++a) { p[size_t(axis)] = a; line[size_t(a)] = x.ptr<int64_t>()[flat(c.shape, p)]; }
                topk_ref(line, largest == 1, &order);
                ok = y[1].ptr<int64_t>()[e] == order[size_t(j)] && y[0].ptr<int64_t>()[e] == line[size_t(order[size_t(j)])];
              } else {
                std::vector<int32_t> line(static_cast<size_t>(n));
                for (int64_t a = 0; a < n; ++a) { p[size_t(axis)] = a; line[size_t(a)] = x.ptr<int32_t>()[flat(c.shape, p)]; }
                topk_ref(line, largest == 1, &order);
                ok = y[1].ptr<int64_t>()[e] == order[size_t(j)] && y[0].ptr<int32_t>()[e] == line[size_t(order[size_t(j)])];
              }
            }
            CHECK_MSG(ok, std::string("TopK ") + aivm::dtype_name(dt) + " " + shape_str(c.shape) + " axis " + std::to_string(c.axis) +
                              " k " + std::to_string(k) + " largest " + std::to_string(largest));
          }
        }
      }
    }
  }
  // NaN is above every number; ties (and -0 / +0) go to the lower index.
  Tensor x = tensor_f32({6}, {1.0f, kNaN, -0.0f, 0.0f, kNaN, kInf});
  Tensor k4 = tensor_i64({1}, {4});
  const std::vector<Tensor> hi = run_everywhere("TopK", {&x, &k4});
  CHECK((std::vector<int64_t>(hi[1].ptr<int64_t>(), hi[1].ptr<int64_t>() + 4) == std::vector<int64_t>{1, 4, 5, 0}));
  CHECK(bits_of(hi[0].ptr<float>()[0]) == kCanonNan && bits_of(hi[0].ptr<float>()[1]) == kCanonNan);
  const std::vector<Tensor> lo = run_everywhere("TopK", {&x, &k4}, int_attr("largest", 0));
  CHECK((std::vector<int64_t>(lo[1].ptr<int64_t>(), lo[1].ptr<int64_t>() + 4) == std::vector<int64_t>{2, 3, 0, 5}));
  CHECK(std::signbit(lo[0].ptr<float>()[0]) && !std::signbit(lo[0].ptr<float>()[1]));
}

TEST(scatter_and_topk_contracts) {
  Tensor m = tensor_f32({2, 2}, {1, 2, 3, 4}), u22 = tensor_f32({2, 2}, {5, 6, 7, 8});
  Tensor i_ok = tensor_i64({2, 2}, {0, 1, 1, 0}), i_far = tensor_i64({2, 2}, {0, 2, 1, 0}), i_neg = tensor_i64({2, 2}, {0, -3, 1, 0});
  Tensor i_rank = tensor_i64({4}, {0, 1, 1, 0}), i_f = tensor_f32({2, 2}, {0, 1, 1, 0}), u_i64 = tensor_i64({2, 2}, {1, 2, 3, 4});
  Tensor u_wide = tensor_f32({2, 3}, {1, 2, 3, 4, 5, 6}), i_wide = tensor_i64({2, 3}, {0, 1, 1, 0, 0, 0});
  Tensor b = tensor_bool({2, 2}, {0, 1, 1, 0}), bu = tensor_bool({2, 2}, {1, 1, 1, 1});
  CHECK_THROWS_CODE(E_INDEX, run("ScatterElements", {&m, &i_far, &u22}, int_attr("axis", 1)));
  CHECK_THROWS_CODE(E_INDEX, run("ScatterElements", {&m, &i_neg, &u22}));
  CHECK_THROWS_CODE(E_SHAPE, run("ScatterElements", {&m, &i_rank, &u22}));
  CHECK_THROWS_CODE(E_SHAPE, run("ScatterElements", {&m, &i_ok, &u_wide}));
  CHECK_THROWS_CODE(E_SHAPE, run("ScatterElements", {&m, &i_wide, &u_wide}, int_attr("axis", 0)));
  CHECK_THROWS_CODE(E_DTYPE, run("ScatterElements", {&m, &i_f, &u22}));
  CHECK_THROWS_CODE(E_DTYPE, run("ScatterElements", {&m, &i_ok, &u_i64}));
  CHECK_THROWS_CODE(E_DTYPE, run("ScatterElements", {&b, &i_ok, &bu}, attrs1("reduction", attr_string("add"))));
  CHECK(run("ScatterElements", {&b, &i_ok, &bu})[0].dtype == DType::BOOL);  // none moves any dtype
  CHECK_THROWS_CODE(E_ATTR, run("ScatterElements", {&m, &i_ok, &u22}, attrs1("reduction", attr_string("sum"))));
  CHECK_THROWS_CODE(E_ATTR, run("ScatterElements", {&m, &i_ok, &u22}, int_attr("axis", 2)));
  CHECK_THROWS_CODE(E_ARITY, run("ScatterElements", {&m, &i_ok}));
  // ScatterND: out-of-range tuples (also negative), k past data's rank, updates of the wrong shape.
  Tensor t_ok = tensor_i64({2, 1}, {1, -2}), t_far = tensor_i64({2, 1}, {1, 2}), t_neg = tensor_i64({2, 1}, {1, -3});
  Tensor t_deep = tensor_i64({1, 3}, {0, 0, 0}), t_f = tensor_f32({2, 1}, {0, 1});
  CHECK(run("ScatterND", {&m, &t_ok, &u22})[0].shape == (Shape{2, 2}));
  CHECK_THROWS_CODE(E_INDEX, run("ScatterND", {&m, &t_far, &u22}));
  CHECK_THROWS_CODE(E_INDEX, run("ScatterND", {&m, &t_neg, &u22}));
  CHECK_THROWS_CODE(E_SHAPE, run("ScatterND", {&m, &t_deep, &u22}));
  CHECK_THROWS_CODE(E_SHAPE, run("ScatterND", {&m, &t_ok, &u_wide}));
  CHECK_THROWS_CODE(E_DTYPE, run("ScatterND", {&m, &t_f, &u22}));
  CHECK_THROWS_CODE(E_DTYPE, run("ScatterND", {&b, &t_ok, &bu}, attrs1("reduction", attr_string("mul"))));
  CHECK_THROWS_CODE(E_ATTR, run("ScatterND", {&m, &t_ok, &u22}, attrs1("reduction", attr_string("avg"))));
  // TensorScatter: a linear write past the end, axis 0, shapes, write_indices' dtype and shape.
  Tensor past = random_f32({2, 4, 3}, 60), upd = random_f32({2, 2, 3}, 61), upd_long = random_f32({2, 5, 3}, 62), upd_bad = random_f32({2, 2, 2}, 63);
  Tensor w_ok = tensor_i64({2}, {0, 2}), w_far = tensor_i64({2}, {0, 3}), w_neg = tensor_i64({2}, {-1, 0}), w_3 = tensor_i64({3}, {0, 0, 0});
  Tensor w_32 = tensor_i32({2}, {0, 2});
  CHECK(run("TensorScatter", {&past, &upd, &w_ok})[0].shape == (Shape{2, 4, 3}));
  CHECK_THROWS_CODE(E_INDEX, run("TensorScatter", {&past, &upd, &w_far}));
  CHECK_THROWS_CODE(E_INDEX, run("TensorScatter", {&past, &upd, &w_neg}));
  CHECK(run("TensorScatter", {&past, &upd, &w_far}, attrs1("mode", attr_string("circular")))[0].shape == (Shape{2, 4, 3}));
  CHECK_THROWS_CODE(E_SHAPE, run("TensorScatter", {&past, &upd_long}));
  CHECK_THROWS_CODE(E_SHAPE, run("TensorScatter", {&past, &upd_bad}));
  CHECK_THROWS_CODE(E_SHAPE, run("TensorScatter", {&past, &upd, &w_3}));
  CHECK_THROWS_CODE(E_DTYPE, run("TensorScatter", {&past, &upd, &w_32}));
  CHECK_THROWS_CODE(E_ATTR, run("TensorScatter", {&past, &upd}, int_attr("axis", 0)));
  CHECK_THROWS_CODE(E_ATTR, run("TensorScatter", {&past, &upd}, attrs1("mode", attr_string("ring"))));
  // TopK: K past the axis or negative, K's dtype and shape, the attributes, X's dtype.
  Tensor k1 = tensor_i64({1}, {1}), k3 = tensor_i64({1}, {3}), kneg = tensor_i64({1}, {-1}), k32 = tensor_i32({1}, {1}), k2v = tensor_i64({2}, {1, 1});
  CHECK(run("TopK", {&m, &k1})[1].shape == (Shape{2, 1}));
  CHECK_THROWS_CODE(E_VALUE, run("TopK", {&m, &k3}));
  CHECK_THROWS_CODE(E_VALUE, run("TopK", {&m, &kneg}));
  CHECK_THROWS_CODE(E_DTYPE, run("TopK", {&m, &k32}));
  CHECK_THROWS_CODE(E_SHAPE, run("TopK", {&m, &k2v}));
  CHECK_THROWS_CODE(E_ATTR, run("TopK", {&m, &k1}, int_attr("largest", 2)));
  CHECK_THROWS_CODE(E_ATTR, run("TopK", {&m, &k1}, int_attr("axis", 2)));
  CHECK_THROWS_CODE(E_DTYPE, run("TopK", {&b, &k1}));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
