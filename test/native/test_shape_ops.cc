// Transpose, Reshape, Concat, Split, Slice, Gather, Expand: pure data movement, so the
// check is exact — every output element must carry the bits of the input
// element the ONNX spec says it comes from. The references below are naive
// index arithmetic written straight from the spec (multi-index in, multi-index
// out), sharing nothing with the engine's run-merging and tiling.
#include <algorithm>
#include <climits>
#include <cstring>

#include "test_util.h"

using aivm::Attrs;
using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

// Every element width: the ops move bits, so float16 (2 bytes) and float64
// stand for every other dtype of their width.
const DType kAllTypes[] = {DType::F32, DType::I32, DType::I64, DType::BOOL, DType::F16, DType::F64, DType::I8};

// A tensor whose every element has distinctive bits: floats mix NaNs with
// payloads, -0, infinities and subnormals among random values; ints are random
// 32/64-bit patterns; bools are 0/1.
Tensor pattern(DType dt, const Shape& shape, uint64_t stream) {
  Tensor t = aivm::make_tensor(dt, shape);
  static const uint32_t kSpecial[] = {0x7FC00000u, 0xFFC00123u, 0x7FA00001u, 0x80000000u,
                                      0x00000000u, 0x7F800000u, 0xFF800000u, 0x00000001u};
  for (int64_t i = 0; i < t.numel(); ++i) {
    uint64_t r = aivm::rng_u64(7, stream, uint64_t(i));
    switch (dt) {
      case DType::F32: {
        uint32_t bits;
        if ((r & 7) == 0) bits = kSpecial[(r >> 3) & 7];
        else {
          float f = aivm::rng_f32(7, stream + 1, uint64_t(i)) * 100.0f;
          std::memcpy(&bits, &f, 4);
        }
        std::memcpy(t.ptr<uint8_t>() + 4 * i, &bits, 4);
        break;
      }
      case DType::I32: t.ptr<int32_t>()[i] = int32_t(uint32_t(r >> 7)); break;
      case DType::I64: t.ptr<int64_t>()[i] = int64_t(r); break;
      case DType::BOOL: t.ptr<uint8_t>()[i] = uint8_t(r >> 63); break;
      default: std::memcpy(t.ptr<uint8_t>() + aivm::dtype_size(dt) * size_t(i), &r, aivm::dtype_size(dt)); break;
    }
  }
  return t;
}

Tensor ints_tensor(DType dt, const std::vector<int64_t>& v, Shape shape = {-1}) {
  if (shape == Shape{-1}) shape = {int64_t(v.size())};
  Tensor t = aivm::make_tensor(dt, shape);
  for (size_t i = 0; i < v.size(); ++i) {
    if (dt == DType::I64) t.ptr<int64_t>()[i] = v[i];
    else t.ptr<int32_t>()[i] = int32_t(v[i]);
  }
  return t;
}

Attrs attrs_int(const char* name, int64_t v) { return attrs1(name, attr_int(v)); }
Attrs attrs_ints(const char* name, const std::vector<int64_t>& v) { return attrs1(name, attr_ints(v)); }

// Element i of t as raw bits.
uint64_t bits_at(const Tensor& t, int64_t i) {
  uint64_t v = 0;
  size_t es = aivm::dtype_size(t.dtype);
  std::memcpy(&v, t.ptr<uint8_t>() + size_t(i) * es, es);
  return v;
}

int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::vector<int64_t> unravel(int64_t i, const Shape& s) {
  std::vector<int64_t> idx(s.size());
  for (size_t d = s.size(); d-- > 0;) {
    idx[d] = i % s[d];
    i /= s[d];
  }
  return idx;
}

int64_t ravel(const std::vector<int64_t>& idx, const Shape& s) {
  int64_t i = 0;
  for (size_t d = 0; d < s.size(); ++d) i = i * s[d] + idx[d];
  return i;
}

// Checks got has shape `shape` and element i has the bits of src element src_of(i).
template <class F>
void check_moved(const Tensor& got, const Tensor& src, const Shape& shape, F src_of, const std::string& what) {
  CHECK_MSG(got.dtype == src.dtype, what + ": dtype");
  CHECK_MSG(got.shape == shape, what + ": shape " + aivm::shape_str(got.shape) + ", expected " + aivm::shape_str(shape));
  if (got.shape != shape || got.dtype != src.dtype) return;
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < got.numel(); ++i) {
    if (bits_at(got, i) != bits_at(src, src_of(i))) {
      if (first < 0) first = i;
      ++bad;
    }
  }
  CHECK_MSG(bad == 0, what + ": " + std::to_string(bad) + " wrong elements, first at " + std::to_string(first));
}

std::string tname(DType dt) { return aivm::dtype_name(dt); }

// ---- References (straight from the ONNX spec) ----------------------------------

void check_transpose(DType dt, const Shape& s, const std::vector<int64_t>& perm, uint64_t stream, bool give_perm = true) {
  Tensor x = pattern(dt, s, stream);
  std::vector<int64_t> p = perm;
  if (!give_perm) {
    p.clear();
    for (size_t i = s.size(); i-- > 0;) p.push_back(int64_t(i));
  }
  Shape out(s.size());
  for (size_t j = 0; j < p.size(); ++j) out[j] = s[size_t(p[j])];
  Attrs a = give_perm ? attrs_ints("perm", perm) : Attrs{};
  auto y = run_everywhere("Transpose", {&x}, a);
  std::string what = "Transpose " + aivm::shape_str(s) + " perm " + aivm::shape_str(p) + " " + tname(dt);
  check_moved(y[0], x, out, [&](int64_t i) {
    std::vector<int64_t> oi = unravel(i, out), ii(s.size());
    for (size_t j = 0; j < p.size(); ++j) ii[size_t(p[j])] = oi[j];  // out[..j..] = in[perm[j] = oi[j]]
    return ravel(ii, s);
  }, what);
}

// Slice reference: ONNX 13 text, applied per axis then index by index.
struct RefSlice {
  std::vector<int64_t> start, step, size;
};
RefSlice ref_slice(const Shape& s, std::vector<int64_t> starts, std::vector<int64_t> ends, std::vector<int64_t> axes,
                   std::vector<int64_t> steps) {
  size_t r = s.size();
  RefSlice p{std::vector<int64_t>(r, 0), std::vector<int64_t>(r, 1), std::vector<int64_t>(s.begin(), s.end())};
  if (axes.empty()) for (size_t i = 0; i < starts.size(); ++i) axes.push_back(int64_t(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + int64_t(r) : axes[i];
    int64_t dim = s[size_t(a)];
    // Done in long double-free 128-bit arithmetic to avoid any overflow question.
    __int128 st = starts[i], en = ends[i], step = steps[i];
    if (st < 0) st += dim;
    if (en < 0) en += dim;
    if (step > 0) {
      st = std::max<__int128>(0, std::min<__int128>(st, dim));
      en = std::max<__int128>(0, std::min<__int128>(en, dim));
    } else {
      st = std::max<__int128>(0, std::min<__int128>(st, dim - 1));
      en = std::max<__int128>(-1, std::min<__int128>(en, dim - 1));
    }
    // Number of k >= 0 with start + k*step strictly between start..end.
    int64_t n = 0;
    if (dim > 0) {
      for (__int128 v = st; step > 0 ? v < en : v > en; v += step) ++n;
    }
    p.start[size_t(a)] = int64_t(st);
    p.step[size_t(a)] = int64_t(step);
    p.size[size_t(a)] = n;
  }
  return p;
}

void check_slice(DType dt, DType it, const Shape& s, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                 const std::vector<int64_t>& axes, const std::vector<int64_t>& steps, uint64_t stream) {
  Tensor x = pattern(dt, s, stream);
  Tensor ts = ints_tensor(it, starts), te = ints_tensor(it, ends), ta = ints_tensor(it, axes),
         tp = ints_tensor(it, steps);
  std::vector<const Tensor*> in{&x, &ts, &te};
  if (!axes.empty() || !steps.empty()) in.push_back(axes.empty() ? nullptr : &ta);
  if (!steps.empty()) in.push_back(&tp);
  RefSlice p = ref_slice(s, starts, ends, axes, steps);
  Shape out(p.size.begin(), p.size.end());
  auto y = run_everywhere("Slice", in);
  std::string what = "Slice " + aivm::shape_str(s) + " starts " + aivm::shape_str(starts) + " ends " +
                     aivm::shape_str(ends) + " axes " + aivm::shape_str(axes) + " steps " + aivm::shape_str(steps) +
                     " " + tname(dt);
  check_moved(y[0], x, out, [&](int64_t i) {
    std::vector<int64_t> oi = unravel(i, out);
    for (size_t d = 0; d < s.size(); ++d) oi[d] = p.start[d] + oi[d] * p.step[d];
    return ravel(oi, s);
  }, what);
}

void check_gather(DType dt, DType it, const Shape& s, int64_t axis, const Shape& ishape, uint64_t stream,
                  bool give_axis = true) {
  Tensor x = pattern(dt, s, stream);
  int64_t r = int64_t(s.size());
  int64_t ax = axis < 0 ? axis + r : axis;
  int64_t dim = s[size_t(ax)];
  std::vector<int64_t> iv(size_t(numel_of(ishape)));
  for (size_t i = 0; i < iv.size(); ++i) {
    int64_t v = int64_t(aivm::rng_u64(3, stream, i) % uint64_t(2 * dim)) - dim;  // [-dim, dim)
    iv[i] = v;
  }
  Tensor idx = ints_tensor(it, iv, ishape);
  Attrs a = give_axis ? attrs_int("axis", axis) : Attrs{};
  auto y = run_everywhere("Gather", {&x, &idx}, a);
  Shape out(s.begin(), s.begin() + ax);
  out.insert(out.end(), ishape.begin(), ishape.end());
  out.insert(out.end(), s.begin() + ax + 1, s.end());
  size_t q = ishape.size();
  check_moved(y[0], x, out, [&](int64_t i) {
    std::vector<int64_t> oi = unravel(i, out);
    std::vector<int64_t> jj(oi.begin() + ax, oi.begin() + ax + int64_t(q));
    int64_t k = iv[size_t(ravel(jj, ishape))];
    if (k < 0) k += dim;
    std::vector<int64_t> ii(oi.begin(), oi.begin() + ax);
    ii.push_back(k);
    ii.insert(ii.end(), oi.begin() + ax + int64_t(q), oi.end());
    return ravel(ii, s);
  }, "Gather " + aivm::shape_str(s) + " axis " + std::to_string(axis) + " indices " + aivm::shape_str(ishape) + " " +
         tname(dt) + "/" + tname(it));
}

void check_concat(DType dt, const std::vector<Shape>& shapes, int64_t axis, uint64_t stream) {
  std::vector<Tensor> xs;
  for (size_t i = 0; i < shapes.size(); ++i) xs.push_back(pattern(dt, shapes[i], stream + i));
  std::vector<const Tensor*> in;
  for (auto& t : xs) in.push_back(&t);
  int64_t r = int64_t(shapes[0].size());
  size_t ax = size_t(axis < 0 ? axis + r : axis);
  Shape out = shapes[0];
  out[ax] = 0;
  for (auto& s : shapes) out[ax] += s[ax];
  auto y = run_everywhere("Concat", in, attrs_int("axis", axis));
  // Flatten every input into one "bits" table so check_moved can index it.
  Tensor all = aivm::make_tensor(dt, {int64_t(0)});
  std::vector<int64_t> base;
  int64_t total = 0;
  for (auto& t : xs) {
    base.push_back(total);
    total += t.numel();
  }
  all = aivm::make_tensor(dt, {total});
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].numel()) std::memcpy(all.ptr<uint8_t>() + base[i] * aivm::dtype_size(dt), xs[i].data, xs[i].nbytes());
  }
  check_moved(y[0], all, out, [&](int64_t i) {
    std::vector<int64_t> oi = unravel(i, out);
    int64_t c = oi[ax];
    size_t k = 0;
    while (c >= shapes[k][ax]) c -= shapes[k++][ax];
    oi[ax] = c;
    return base[k] + ravel(oi, shapes[k]);
  }, "Concat axis " + std::to_string(axis) + " first " + aivm::shape_str(shapes[0]) + " " + tname(dt));
}

void check_split(DType dt, const Shape& s, int64_t axis, const std::vector<int64_t>& sizes, bool by_input,
                 uint64_t stream) {
  Tensor x = pattern(dt, s, stream);
  Tensor sp = vector_i64(sizes);
  Attrs a = attrs_int("axis", axis);
  if (!by_input) a.set("num_outputs", attr_int(int64_t(sizes.size())));
  std::vector<const Tensor*> in{&x};
  if (by_input) in.push_back(&sp);
  auto y = run_everywhere("Split", in, a);
  CHECK_MSG(y.size() == sizes.size(), "Split output count " + std::to_string(y.size()));
  if (y.size() != sizes.size()) return;
  size_t ax = size_t(axis < 0 ? axis + int64_t(s.size()) : axis);
  int64_t off = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    Shape out = s;
    out[ax] = sizes[k];
    check_moved(y[k], x, out, [&](int64_t i) {
      std::vector<int64_t> oi = unravel(i, out);
      oi[ax] += off;
      return ravel(oi, s);
    }, "Split " + aivm::shape_str(s) + " axis " + std::to_string(axis) + " output " + std::to_string(k) + " " + tname(dt));
    off += sizes[k];
  }
}

}  // namespace

// ---- Transpose -------------------------------------------------------------------

TEST(transpose_all_dtypes_and_perms) {
  uint64_t st = 100;
  for (DType dt : kAllTypes) {
    check_transpose(dt, {3, 5}, {1, 0}, st++);
    check_transpose(dt, {2, 3, 4}, {0, 2, 1}, st++);
    check_transpose(dt, {2, 3, 4}, {2, 0, 1}, st++);
    check_transpose(dt, {2, 3, 4}, {1, 0, 2}, st++);  // inner axis stays: run copies
    check_transpose(dt, {2, 3, 4}, {}, st++, false);  // default: reversed
    check_transpose(dt, {7, 1, 33, 17}, {2, 0, 3, 1}, st++);
    check_transpose(dt, {1, 31}, {1, 0}, st++);  // size-1 axes: a plain copy
    check_transpose(dt, {2, 3, 5, 7, 2}, {4, 2, 0, 3, 1}, st++);
  }
}

TEST(transpose_all_3d_permutations) {
  std::vector<int64_t> p = {0, 1, 2};
  uint64_t st = 200;
  do {
    check_transpose(DType::F32, {3, 5, 7}, p, st++);
    check_transpose(DType::I64, {4, 1, 9}, p, st++);
  } while (std::next_permutation(p.begin(), p.end()));
}

TEST(transpose_large_tiled_and_threaded) {
  // Big enough for several threads and many partial 32x32 tiles.
  check_transpose(DType::F32, {1000, 33}, {1, 0}, 300);
  check_transpose(DType::F32, {67, 1023}, {1, 0}, 301);
  check_transpose(DType::BOOL, {131, 257}, {1, 0}, 302);
  check_transpose(DType::I64, {5, 97, 65}, {0, 2, 1}, 303);
  check_transpose(DType::I32, {3, 64, 5, 64}, {3, 1, 0, 2}, 304);
  check_transpose(DType::F32, {40, 50, 30}, {1, 2, 0}, 305);
}

TEST(transpose_rank0_and_empty) {
  check_transpose(DType::F32, {}, {}, 310);
  check_transpose(DType::F32, {}, {}, 311, false);
  check_transpose(DType::I64, {0, 3}, {1, 0}, 312);
  check_transpose(DType::F32, {2, 0, 4}, {2, 1, 0}, 313);
  check_transpose(DType::I32, {7}, {0}, 314);
}

TEST(transpose_errors) {
  Tensor x = pattern(DType::F32, {2, 3, 4}, 320);
  CHECK_THROWS_CODE(E_ATTR, run("Transpose", {&x}, attrs_ints("perm", {0, 1})));
  CHECK_THROWS_CODE(E_ATTR, run("Transpose", {&x}, attrs_ints("perm", {0, 1, 1})));
  CHECK_THROWS_CODE(E_ATTR, run("Transpose", {&x}, attrs_ints("perm", {0, 1, 3})));
  CHECK_THROWS_CODE(E_ATTR, run("Transpose", {&x}, attrs_ints("perm", {-1, 0, 1})));
  CHECK_THROWS_CODE(E_ATTR, run("Transpose", {&x}, attrs_int("perm", 0)));  // wrong kind
  CHECK_THROWS_CODE(E_ATTR, run("Transpose", {&x}, attrs_int("axis", 0)));  // unknown attribute
  CHECK_THROWS_CODE(E_ARITY, run("Transpose", {}));
  CHECK_THROWS_CODE(E_ARITY, run("Transpose", {&x, &x}));
}

// ---- Reshape ---------------------------------------------------------------------

TEST(reshape_spec_cases) {
  struct C {
    Shape in;
    std::vector<int64_t> shape;
    int64_t allowzero;
    Shape out;
  };
  std::vector<C> cases = {
      {{2, 3, 4}, {4, 2, 3}, 0, {4, 2, 3}},     {{2, 3, 4}, {2, 12}, 0, {2, 12}},
      {{2, 3, 4}, {24}, 0, {24}},                {{2, 3, 4}, {2, 3, 2, 2}, 0, {2, 3, 2, 2}},
      {{2, 3, 4}, {-1, 2, 3, 4}, 0, {1, 2, 3, 4}}, {{2, 3, 4}, {2, -1, 2}, 0, {2, 6, 2}},
      {{2, 3, 4}, {0, 4, -1}, 0, {2, 4, 3}},     {{2, 3, 4}, {2, 0, 4, 1}, 0, {2, 3, 4, 1}},
      {{2, 3, 4}, {-1}, 0, {24}},                {{0, 3, 4}, {3, 4, 0}, 1, {3, 4, 0}},
      {{0, 3, 4}, {0, 12}, 0, {0, 12}},          {{0, 3, 4}, {12, 0}, 1, {12, 0}},
      {{}, {1, 1}, 0, {1, 1}},                   {{1}, {}, 0, {}},
      {{1031}, {1031, 1}, 0, {1031, 1}},         {{100, 1000}, {1000, -1}, 0, {1000, 100}},
  };
  uint64_t st = 400;
  for (const auto& c : cases) {
    for (DType dt : kAllTypes) {
      Tensor x = pattern(dt, c.in, st++);
      Tensor s = vector_i64(c.shape);
      Attrs a = c.allowzero ? attrs_int("allowzero", 1) : Attrs{};
      auto y = run_everywhere("Reshape", {&x, &s}, a);
      check_moved(y[0], x, c.out, [](int64_t i) { return i; },
                  "Reshape " + aivm::shape_str(c.in) + " to " + aivm::shape_str(c.shape) + " " + tname(dt));
    }
  }
}

TEST(reshape_errors) {
  Tensor x = pattern(DType::F32, {2, 3, 4}, 450);
  Tensor bad_count = vector_i64({5, 5});
  CHECK_THROWS_CODE(E_SHAPE, run("Reshape", {&x, &bad_count}));
  try {
    run("Reshape", {&x, &bad_count});
  } catch (const aivm::Error& e) {
    std::string m = e.what();
    CHECK_MSG(m.find("[2, 3, 4]") != std::string::npos && m.find("[5, 5]") != std::string::npos, m);
  }
  Tensor two_neg = vector_i64({-1, -1});
  CHECK_THROWS_CODE(E_VALUE, run("Reshape", {&x, &two_neg}));
  Tensor minus2 = vector_i64({-2, 12});
  CHECK_THROWS_CODE(E_VALUE, run("Reshape", {&x, &minus2}));
  Tensor not_div = vector_i64({5, -1});
  CHECK_THROWS_CODE(E_SHAPE, run("Reshape", {&x, &not_div}));
  Tensor zero_past = vector_i64({24, 1, 1, 0});  // 0 copies input dim 3, which does not exist
  CHECK_THROWS_CODE(E_SHAPE, run("Reshape", {&x, &zero_past}));
  Tensor zero_neg = vector_i64({0, -1});
  CHECK_THROWS_CODE(E_VALUE, run("Reshape", {&x, &zero_neg}, attrs_int("allowzero", 1)));
  Tensor zero_allow = vector_i64({0, 24});  // with allowzero the 0 is a real 0: 0 elements != 24
  CHECK_THROWS_CODE(E_SHAPE, run("Reshape", {&x, &zero_allow}, attrs_int("allowzero", 1)));
  Tensor ok = vector_i64({24});
  CHECK_THROWS_CODE(E_ATTR, run("Reshape", {&x, &ok}, attrs_int("allowzero", 2)));
  Tensor s32 = ints_tensor(DType::I32, {24});
  CHECK_THROWS_CODE(E_DTYPE, run("Reshape", {&x, &s32}));
  Tensor sf = pattern(DType::F32, {1}, 451);
  CHECK_THROWS_CODE(E_DTYPE, run("Reshape", {&x, &sf}));
  Tensor s2d = ints_tensor(DType::I64, {24}, {1, 1});
  CHECK_THROWS_CODE(E_SHAPE, run("Reshape", {&x, &s2d}));
  Tensor ambiguous = vector_i64({0, -1});  // input has 0 elements and the known dims multiply to 0
  Tensor x0 = pattern(DType::F32, {0, 3}, 452);
  CHECK_THROWS_CODE(E_SHAPE, run("Reshape", {&x0, &ambiguous}));
  Tensor huge = vector_i64({int64_t(1) << 40, int64_t(1) << 40});
  CHECK_THROWS_CODE(E_SHAPE, run("Reshape", {&x, &huge}));
  Tensor rank9 = vector_i64({1, 1, 1, 1, 1, 1, 2, 3, 4});
  CHECK_THROWS_CODE(E_SHAPE, run("Reshape", {&x, &rank9}));
  CHECK_THROWS_CODE(E_ARITY, run("Reshape", {&x}));
  CHECK_THROWS_CODE(E_ARITY, run("Reshape", {&x, nullptr}));
}

// ---- Concat ------------------------------------------------------------------------

TEST(concat_cases) {
  uint64_t st = 500;
  for (DType dt : kAllTypes) {
    check_concat(dt, {{3}, {5}, {1}}, 0, st += 10);
    check_concat(dt, {{2, 3}, {2, 7}}, 1, st += 10);
    check_concat(dt, {{2, 3}, {4, 3}}, -2, st += 10);
    check_concat(dt, {{3, 2, 5}, {3, 0, 5}, {3, 7, 5}, {3, 1, 5}}, 1, st += 10);  // empty piece in the middle
    check_concat(dt, {{7, 3, 17}}, 2, st += 10);                                   // one input
    check_concat(dt, {{2, 3, 4}, {2, 3, 1}, {2, 3, 31}}, -1, st += 10);
  }
  // Large and uneven: threads split inside rows and across pieces.
  check_concat(DType::F32, {{33, 1000}, {33, 7}, {33, 1023}}, 1, 600);
  check_concat(DType::I64, {{1, 40000}, {1, 3}}, 1, 610);
  check_concat(DType::BOOL, {{5000, 3}, {17, 3}, {20000, 3}}, 0, 620);
  // Many inputs.
  std::vector<Shape> many;
  for (int i = 0; i < 300; ++i) many.push_back({3, int64_t(i % 5), 2});
  check_concat(DType::I32, many, 1, 630);
  // Empty results.
  check_concat(DType::F32, {{0, 3}, {0, 4}}, 1, 640);
  check_concat(DType::F32, {{0, 3}, {0, 3}}, 0, 650);
}

TEST(concat_errors) {
  Tensor a = pattern(DType::F32, {2, 3}, 700), b = pattern(DType::F32, {2, 4}, 701), c = pattern(DType::I32, {2, 3}, 702);
  Tensor d = pattern(DType::F32, {2, 3, 1}, 703), s = pattern(DType::F32, {}, 704);
  CHECK_THROWS_CODE(E_DTYPE, run("Concat", {&a, &c}, attrs_int("axis", 0)));
  CHECK_THROWS_CODE(E_SHAPE, run("Concat", {&a, &b}, attrs_int("axis", 0)));
  CHECK_THROWS_CODE(E_SHAPE, run("Concat", {&a, &d}, attrs_int("axis", 1)));
  CHECK_THROWS_CODE(E_SHAPE, run("Concat", {&s, &s}, attrs_int("axis", 0)));
  CHECK_THROWS_CODE(E_ATTR, run("Concat", {&a, &b}));  // axis is required
  CHECK_THROWS_CODE(E_ATTR, run("Concat", {&a, &b}, attrs_int("axis", 2)));
  CHECK_THROWS_CODE(E_ATTR, run("Concat", {&a, &b}, attrs_int("axis", -3)));
  CHECK_THROWS_CODE(E_ARITY, run("Concat", {}, attrs_int("axis", 0)));
  CHECK_THROWS_CODE(E_ARITY, run("Concat", {&a, nullptr}, attrs_int("axis", 0)));
}

// ---- Split -------------------------------------------------------------------------

TEST(split_cases) {
  uint64_t st = 800;
  for (DType dt : kAllTypes) {
    check_split(dt, {6}, 0, {2, 4}, true, st++);
    check_split(dt, {2, 6}, 1, {1, 0, 5}, true, st++);  // a zero-size part
    check_split(dt, {2, 6}, -1, {3, 3}, false, st++);   // num_outputs, even
    check_split(dt, {7}, 0, {2, 2, 2, 1}, false, st++); // num_outputs=4: ceil(7/4)=2, last 1
    check_split(dt, {2, 8}, 1, {3, 3, 2}, false, st++); // ONNX test_split_2d_uneven_split_opset18
    check_split(dt, {5, 3, 4}, 1, {3}, true, st++);     // one output
    check_split(dt, {4, 2}, 0, {2, 2, 0}, false, st++); // ceil(4/3)=2: last chunk 0
    check_split(dt, {0, 3}, 0, {0, 0, 0}, true, st++);  // zero-size splits
  }
  check_split(DType::F32, {3, 50000}, 1, {17, 30000, 19983}, true, 850);
  check_split(DType::I64, {40000, 3}, 0, {13334, 13334, 13332}, false, 851);
  check_split(DType::BOOL, {1023, 33}, 1, {1, 31, 1}, true, 852);
}

TEST(split_errors) {
  Tensor x = pattern(DType::F32, {2, 6}, 900);
  Tensor sum_bad = vector_i64({2, 3});
  CHECK_THROWS_CODE(E_SHAPE, run("Split", {&x, &sum_bad}, attrs_int("axis", 1)));
  Tensor neg = vector_i64({7, -1});
  CHECK_THROWS_CODE(E_VALUE, run("Split", {&x, &neg}, attrs_int("axis", 1)));
  Tensor empty = vector_i64({});
  CHECK_THROWS_CODE(E_VALUE, run("Split", {&x, &empty}, attrs_int("axis", 1)));
  Tensor s32 = ints_tensor(DType::I32, {3, 3});
  CHECK_THROWS_CODE(E_DTYPE, run("Split", {&x, &s32}, attrs_int("axis", 1)));
  Tensor s2d = ints_tensor(DType::I64, {3, 3}, {1, 2});
  CHECK_THROWS_CODE(E_SHAPE, run("Split", {&x, &s2d}, attrs_int("axis", 1)));
  CHECK_THROWS_CODE(E_ATTR, run("Split", {&x}, attrs_int("axis", 1)));  // neither split nor num_outputs
  Tensor ok = vector_i64({3, 3});
  Attrs both = attrs_int("axis", 1);
  both.set("num_outputs", attrs_int("num_outputs", 2).all().at("num_outputs"));
  CHECK_THROWS_CODE(E_ATTR, run("Split", {&x, &ok}, both));
  CHECK_THROWS_CODE(E_ATTR, run("Split", {&x}, attrs_int("num_outputs", 0)));
  CHECK_THROWS_CODE(E_ATTR, run("Split", {&x}, attrs_int("num_outputs", 3)));  // axis 0 has size 2
  Tensor y = pattern(DType::F32, {5}, 901);
  CHECK_THROWS_CODE(E_ATTR, run("Split", {&y}, attrs_int("num_outputs", 4)));  // ceil(5/4)=2: 2,2,2,-1
  CHECK_THROWS_CODE(E_ATTR, run("Split", {&x, &ok}, attrs_int("axis", 2)));
  Tensor s = pattern(DType::F32, {}, 902);
  CHECK_THROWS_CODE(E_SHAPE, run("Split", {&s}, attrs_int("num_outputs", 1)));
  // An omitted split input (nullptr) behaves as absent.
  auto out = run("Split", {&x, nullptr}, attrs_int("num_outputs", 2));
  CHECK(out.size() == 2 && out[0].shape == Shape({1, 6}));
}

// ---- Slice -------------------------------------------------------------------------

TEST(slice_spec_cases) {
  const int64_t MAX = INT64_MAX, MIN = INT64_MIN;
  struct C {
    Shape s;
    std::vector<int64_t> starts, ends, axes, steps;
  };
  std::vector<C> cases = {
      {{20, 10, 5}, {0, 0}, {3, 10}, {0, 1}, {1, 1}},             // test_slice
      {{20, 10, 5}, {0, 0, 3}, {20, 10, 4}, {}, {}},                // default axes
      {{20, 10, 5}, {0, 0, 3}, {20, 10, 4}, {0, 1, 2}, {}},         // default steps
      {{20, 10, 5}, {1}, {1000}, {1}, {1}},                         // end out of bounds
      {{20, 10, 5}, {0}, {-1}, {1}, {1}},                           // negative end
      {{20, 10, 5}, {20, 10, 4}, {0, 0, 1}, {0, 1, 2}, {-1, -3, -2}}, // negative steps
      {{20, 10, 5}, {0, 0, 3}, {20, 10, 4}, {0, -2, -1}, {}},       // negative axes
      {{20, 10, 5}, {1000}, {1000}, {1}, {1}},                      // start out of bounds
      {{20, 10, 5}, {MIN, 2}, {MAX, MAX}, {0, 2}, {1, 1}},
      {{20, 10, 5}, {MAX, -1}, {MIN, MIN}, {0, 2}, {-1, -1}},       // full reversal
      {{20, 10, 5}, {-3, 1}, {MIN, 5}, {1, 2}, {-4, 3}},
      {{20, 10, 5}, {5}, {5}, {0}, {1}},                            // empty
      {{20, 10, 5}, {2}, {7}, {0}, {-1}},                           // empty, negative step
      {{20, 10, 5}, {3}, {4}, {0}, {MAX}},
      {{20, 10, 5}, {3}, {2}, {0}, {MIN}},
      {{20, 10, 5}, {-100}, {100}, {1}, {7}},
      {{7}, {6}, {-100}, {0}, {-2}},
      {{0, 4}, {0, 1}, {10, 3}, {}, {}},                             // empty input
      {{0, 4}, {-1, 3}, {MIN, 0}, {0, 1}, {-1, -1}},
      {{1000, 33}, {1, 1}, {999, 32}, {}, {2, 1}},
      {{33, 1000}, {32, 3}, {MIN, 1000}, {}, {-1, 3}},
      {{3, 4, 5, 6}, {1}, {3}, {2}, {}},                             // middle axis, runs of 6
      {{3, 4, 5, 6}, {}, {}, {}, {}},                               // nothing sliced
  };
  uint64_t st = 1000;
  for (const auto& c : cases) {
    for (DType dt : kAllTypes) {
      for (DType it : {DType::I64, DType::I32}) {
        bool fits32 = true;
        for (auto* v : {&c.starts, &c.ends, &c.steps}) {
          for (int64_t x : *v) fits32 = fits32 && x >= INT32_MIN && x <= INT32_MAX;
        }
        if (it == DType::I32 && !fits32) continue;
        check_slice(dt, it, c.s, c.starts, c.ends, c.axes, c.steps, st++);
      }
    }
  }
  // Rank 0 with nothing to slice.
  check_slice(DType::F32, DType::I64, {}, {}, {}, {}, {}, 1900);
  // int32 extremes mean "to the end" as well.
  check_slice(DType::F32, DType::I32, {9, 4}, {INT32_MIN, INT32_MAX}, {INT32_MAX, INT32_MIN}, {}, {1, -1}, 1901);
}

TEST(slice_errors) {
  Tensor x = pattern(DType::F32, {4, 5}, 1950);
  Tensor s = vector_i64({0}), e = vector_i64({2}), a = vector_i64({1}), z = vector_i64({0}), two = vector_i64({0, 1});
  CHECK_THROWS_CODE(E_VALUE, run("Slice", {&x, &s, &e, &a, &z}));  // step 0
  Tensor a2 = vector_i64({2}), am3 = vector_i64({-3});
  CHECK_THROWS_CODE(E_INDEX, run("Slice", {&x, &s, &e, &a2}));
  CHECK_THROWS_CODE(E_INDEX, run("Slice", {&x, &s, &e, &am3}));
  Tensor dup = vector_i64({1, -1}), s2 = vector_i64({0, 0}), e2 = vector_i64({1, 1});
  CHECK_THROWS_CODE(E_VALUE, run("Slice", {&x, &s2, &e2, &dup}));
  CHECK_THROWS_CODE(E_SHAPE, run("Slice", {&x, &two, &e}));  // length mismatch
  CHECK_THROWS_CODE(E_SHAPE, run("Slice", {&x, &s, &e, &two}));
  Tensor e32 = ints_tensor(DType::I32, {2});
  CHECK_THROWS_CODE(E_DTYPE, run("Slice", {&x, &s, &e32}));  // mixed index dtypes
  Tensor sf = pattern(DType::F32, {1}, 1951);
  CHECK_THROWS_CODE(E_DTYPE, run("Slice", {&x, &sf, &e}));
  Tensor s2d = ints_tensor(DType::I64, {0}, {1, 1});
  CHECK_THROWS_CODE(E_SHAPE, run("Slice", {&x, &s2d, &s2d}));
  Tensor sscalar = ints_tensor(DType::I64, {0}, {});
  CHECK_THROWS_CODE(E_SHAPE, run("Slice", {&x, &sscalar, &sscalar}));
  CHECK_THROWS_CODE(E_ARITY, run("Slice", {&x, &s}));
  CHECK_THROWS_CODE(E_ATTR, run("Slice", {&x, &s, &e}, attrs_int("axes", 0)));  // opset 1 attributes refused
  // Omitted axes (nullptr) with steps given.
  auto out = run("Slice", {&x, &s, &e, nullptr, &a});
  CHECK(out[0].shape == Shape({2, 5}));
}

// ---- Gather ------------------------------------------------------------------------

TEST(gather_cases) {
  uint64_t st = 2000;
  for (DType dt : kAllTypes) {
    for (DType it : {DType::I64, DType::I32}) {
      check_gather(dt, it, {5, 4}, 0, {3}, st++);
      check_gather(dt, it, {5, 4}, 1, {2, 3}, st++);
      check_gather(dt, it, {5, 4}, -1, {}, st++);          // scalar index drops the axis
      check_gather(dt, it, {3, 7, 2}, 1, {4, 1, 2}, st++);
      check_gather(dt, it, {3, 7, 2}, 0, {}, st++, false);  // default axis 0
      check_gather(dt, it, {7}, 0, {}, st++);              // rank-0 output
      check_gather(dt, it, {3, 4}, 1, {0}, st++);          // empty indices
      check_gather(dt, it, {0, 4}, 1, {2}, st++);          // empty data outer
    }
  }
  check_gather(DType::F32, DType::I64, {1000, 33}, 0, {517}, 2100);
  check_gather(DType::F32, DType::I64, {33, 1000}, 1, {40, 31}, 2101);  // inner 1: element gather, threaded
  check_gather(DType::I64, DType::I32, {50000, 2}, 0, {3, 7}, 2102);
  check_gather(DType::BOOL, DType::I64, {17, 31, 33}, 2, {9}, 2103);
}

TEST(gather_errors) {
  Tensor x = pattern(DType::F32, {5, 4}, 2200);
  Tensor hi = vector_i64({0, 5}), lo = vector_i64({-6});
  CHECK_THROWS_CODE(E_INDEX, run("Gather", {&x, &hi}));
  try {
    run("Gather", {&x, &hi});
  } catch (const aivm::Error& e) {
    std::string m = e.what();
    CHECK_MSG(m.find("= 5") != std::string::npos && m.find("[-5, 4]") != std::string::npos, m);
  }
  CHECK_THROWS_CODE(E_INDEX, run("Gather", {&x, &lo}));
  Tensor four = vector_i64({4});
  CHECK_THROWS_CODE(E_INDEX, run("Gather", {&x, &four}, attrs_int("axis", 1)));
  Tensor i32hi = ints_tensor(DType::I32, {INT32_MAX});
  CHECK_THROWS_CODE(E_INDEX, run("Gather", {&x, &i32hi}));
  Tensor fi = pattern(DType::F32, {2}, 2201);
  CHECK_THROWS_CODE(E_DTYPE, run("Gather", {&x, &fi}));
  Tensor bi = pattern(DType::BOOL, {2}, 2202);
  CHECK_THROWS_CODE(E_DTYPE, run("Gather", {&x, &bi}));
  Tensor ok = vector_i64({1});
  CHECK_THROWS_CODE(E_ATTR, run("Gather", {&x, &ok}, attrs_int("axis", 2)));
  CHECK_THROWS_CODE(E_ATTR, run("Gather", {&x, &ok}, attrs_int("axis", -3)));
  Tensor s = pattern(DType::F32, {}, 2203);
  CHECK_THROWS_CODE(E_SHAPE, run("Gather", {&s, &ok}));
  Tensor x0 = pattern(DType::F32, {0, 4}, 2204);  // any index into an empty axis is out of range
  Tensor zero = vector_i64({0});
  CHECK_THROWS_CODE(E_INDEX, run("Gather", {&x0, &zero}));
  Tensor big = pattern(DType::F32, {1, 1, 1, 1, 1, 1, 1, 2}, 2205);
  Tensor idx2 = ints_tensor(DType::I64, {0}, {1, 1});
  CHECK_THROWS_CODE(E_SHAPE, run("Gather", {&big, &idx2}));  // output rank 9
  CHECK_THROWS_CODE(E_ARITY, run("Gather", {&x}));
}

// ONNX Expand-13, numpy broadcasting: dimensions aligned from the right, a 1
// on either side gives way. The expected output shape is written out by hand
// in each case; element i reads input element (j_d if x_d > 1 else 0)_d.
void check_expand(DType dt, const Shape& s, const std::vector<int64_t>& shape, const Shape& expected, uint64_t stream) {
  Tensor x = pattern(dt, s, stream);
  Tensor sh = vector_i64(shape);
  std::vector<Tensor> out = run_everywhere("Expand", {&x, &sh});
  size_t off = expected.size() - s.size();
  auto src_of = [&](int64_t i) {
    std::vector<int64_t> o = unravel(i, expected), idx(s.size());
    for (size_t d = 0; d < s.size(); ++d) idx[d] = s[d] == 1 ? 0 : o[off + d];
    return ravel(idx, s);
  };
  check_moved(out[0], x, expected, src_of,
              "Expand " + tname(dt) + " " + aivm::shape_str(s) + " to " + aivm::shape_str(shape));
}

TEST(expand_cases) {
  uint64_t st = 2400;
  for (DType dt : kAllTypes) {
    check_expand(dt, {3, 1}, {2, 1, 6}, {2, 3, 6}, st++);
    check_expand(dt, {3, 1}, {3, 4}, {3, 4}, st++);        // innermost axis broadcast: a fill
    check_expand(dt, {1, 4}, {3, 1}, {3, 4}, st++);        // the shape's 1 gives way to the input
    check_expand(dt, {2, 3}, {1}, {2, 3}, st++);           // shorter shape: output = input
    check_expand(dt, {}, {2, 3}, {2, 3}, st++);            // scalar input
    check_expand(dt, {4}, {}, {4}, st++);                  // empty shape tensor
    check_expand(dt, {2, 1, 3}, {2, 5, 3}, {2, 5, 3}, st++);  // middle axis broadcast
    check_expand(dt, {1, 0}, {3, 1}, {3, 0}, st++);        // empty output
    check_expand(dt, {1}, {0}, {0}, st++);                 // a 1 expands to 0 too
    check_expand(dt, {1, 1}, {1, 1}, {1, 1}, st++);
  }
  // Big enough to split over threads, along contiguous, fill and strided paths.
  check_expand(DType::F32, {1, 1000}, {300, 1000}, {300, 1000}, 2500);
  check_expand(DType::I64, {257, 1}, {257, 300}, {257, 300}, 2501);
  check_expand(DType::BOOL, {7, 1, 33}, {5, 7, 100, 33}, {5, 7, 100, 33}, 2502);
  check_expand(DType::I32, {1, 9, 1, 1}, {2, 1, 11, 13}, {2, 9, 11, 13}, 2503);
}

TEST(expand_errors) {
  Tensor x = pattern(DType::F32, {3, 1}, 2600);
  Tensor i32 = ints_tensor(DType::I32, {3, 4});
  CHECK_THROWS_CODE(E_DTYPE, run("Expand", {&x, &i32}));
  Tensor two_d = ints_tensor(DType::I64, {3, 4}, {1, 2});
  CHECK_THROWS_CODE(E_SHAPE, run("Expand", {&x, &two_d}));
  Tensor neg = vector_i64({3, -1});
  CHECK_THROWS_CODE(E_VALUE, run("Expand", {&x, &neg}));
  Tensor clash = vector_i64({2, 4});  // 3 vs 2
  CHECK_THROWS_CODE(E_SHAPE, run("Expand", {&x, &clash}));
  Tensor deep = vector_i64({1, 1, 1, 1, 1, 1, 1, 1, 2});
  CHECK_THROWS_CODE(E_SHAPE, run("Expand", {&x, &deep}));  // rank 9
  Tensor huge = vector_i64({int64_t(1) << 20, int64_t(1) << 20, 3, 1});
  CHECK_THROWS_CODE(E_TOO_LARGE, run("Expand", {&x, &huge}));
  Tensor ok = vector_i64({3, 2});
  CHECK_THROWS_CODE(E_ARITY, run("Expand", {&x}));
  CHECK_THROWS_CODE(E_ATTR, run("Expand", {&x, &ok}, attrs_int("axis", 0)));
}

TEST(negative_dims_refused) {
  // A hand-made tensor with a negative dim never reaches an op.
  Tensor x = pattern(DType::F32, {2, 3}, 2300);
  Tensor bad = x;
  bad.shape = {-2, -3};
  Tensor s = vector_i64({6});
  CHECK_THROWS_CODE(E_SHAPE, run("Reshape", {&bad, &s}));
  CHECK_THROWS_CODE(E_SHAPE, run("Transpose", {&bad}));
  CHECK_THROWS_CODE(E_SHAPE, run("Concat", {&x, &bad}, attrs_int("axis", 0)));
  Tensor badidx = vector_i64({0});
  badidx.shape = {-1};
  CHECK_THROWS_CODE(E_SHAPE, run("Gather", {&x, &badidx}));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
