// Self-test cases for Transpose, Reshape, Concat, Split, Slice, Gather: every
// op, every attribute and optional input, every dtype, odd and empty shapes.
// Float inputs come from st_special so NaN payloads and -0 must survive the copy.
// Streams 8000..8999 belong to this family.
#include <climits>

#include "engine/selftest.h"

namespace aivm {

namespace {

// A tensor of the given dtype whose elements are all distinguishable.
Tensor data_of(DType dt, const Shape& shape, uint64_t stream) {
  switch (dt) {
    case DType::F32: return st_special(shape, stream);
    case DType::I32: return st_ints(DType::I32, shape, stream, INT32_MIN, INT32_MAX);
    case DType::I64: return st_ints(DType::I64, shape, stream, INT64_MIN / 2, INT64_MAX / 2);
    case DType::BOOL: return st_bools(shape, stream);
    default: break;  // the self-test moves only the four dtypes of kTypes
  }
  return st_special(shape, stream);
}

Tensor ints_of(DType dt, const std::vector<int64_t>& v) {
  Tensor t = st_i64_values(v);
  if (dt == DType::I64) return t;
  Tensor s = make_tensor(DType::I32, {int64_t(v.size())}, "selftest");
  for (size_t i = 0; i < v.size(); ++i) s.ptr<int32_t>()[i] = int32_t(v[i]);
  return s;
}

Attrs one(const char* name, AttrValue v) {
  Attrs a;
  a.set(name, std::move(v));
  return a;
}

const DType kTypes[] = {DType::F32, DType::I32, DType::I64, DType::BOOL};

}  // namespace

void selftest_cases_shape_ops(CaseList& out) {
  uint64_t st = 8000;

  // Transpose: explicit and default perms, tiled 2-D inner case, run copies, rank 0, empty.
  struct TCase {
    Shape s;
    std::vector<int64_t> perm;  // empty with rank > 0: use the default
  };
  const TCase tcases[] = {
      {{33, 17}, {1, 0}},          {{1000, 7}, {1, 0}},      {{3, 31, 33}, {0, 2, 1}},
      {{3, 31, 33}, {2, 0, 1}},    {{3, 31, 33}, {1, 0, 2}}, {{2, 3, 5, 7}, {}},
      {{1, 1023}, {1, 0}},         {{7, 1, 17, 3}, {3, 2, 1, 0}}, {{0, 17}, {1, 0}},
      {{}, {}},
  };
  for (const auto& c : tcases) {
    for (DType dt : kTypes) {
      Attrs a = (c.perm.empty() ? Attrs{} : one("perm", attr_ints(c.perm)));
      out.push_back({"Transpose", {data_of(dt, c.s, st++)}, {}, a});
    }
  }

  // Reshape: 0 (copy), -1 (infer), allowzero, rank 0.
  struct RCase {
    Shape s;
    std::vector<int64_t> shape;
    int64_t allowzero;
  };
  const RCase rcases[] = {
      {{2, 3, 4}, {4, -1}, 0}, {{2, 3, 4}, {0, 0, 2, 2}, 0}, {{31, 33}, {-1}, 0},
      {{0, 3}, {3, 0}, 1},     {{}, {1, 1, 1}, 0},           {{1}, {}, 0},
      {{7, 17}, {0, 17, -1}, 0},
  };
  for (const auto& c : rcases) {
    for (DType dt : kTypes) {
      Attrs a = c.allowzero ? one("allowzero", attr_int(1)) : Attrs{};
      out.push_back({"Reshape", {data_of(dt, c.s, st++), st_i64_values(c.shape)}, {}, a});
    }
  }

  // Concat: several axes, an empty piece, one input, many inputs.
  for (DType dt : kTypes) {
    out.push_back({"Concat", {data_of(dt, {7, 3}, st), data_of(dt, {7, 17}, st + 1), data_of(dt, {7, 1}, st + 2)},
                   {}, one("axis", attr_int(1))});
    out.push_back({"Concat", {data_of(dt, {3, 5, 2}, st + 3), data_of(dt, {0, 5, 2}, st + 4),
                              data_of(dt, {31, 5, 2}, st + 5)}, {}, one("axis", attr_int(-3))});
    out.push_back({"Concat", {data_of(dt, {33}, st + 6)}, {}, one("axis", attr_int(0))});
    st += 7;
  }
  {
    std::vector<Tensor> many;
    for (int i = 0; i < 33; ++i) many.push_back(data_of(DType::F32, {3, i % 4, 5}, st++));
    out.push_back({"Concat", many, {}, one("axis", attr_int(1))});
  }

  // Split: split input, num_outputs (even, uneven, zero-size last chunk), default axis.
  for (DType dt : kTypes) {
    out.push_back({"Split", {data_of(dt, {2, 31}, st), st_i64_values({1, 0, 17, 13})}, {}, one("axis", attr_int(1))});
    Attrs a = one("axis", attr_int(-1));
    a.set("num_outputs", attr_int(4));
    out.push_back({"Split", {data_of(dt, {3, 7}, st + 1)}, {}, a});              // 2, 2, 2, 1
    out.push_back({"Split", {data_of(dt, {1023, 3}, st + 2)}, {}, one("num_outputs", attr_int(7))});
    out.push_back({"Split", {data_of(dt, {4, 5}, st + 3)}, {}, one("num_outputs", attr_int(3))});  // 2, 2, 0
    st += 4;
  }
  out.push_back({"Split", {data_of(DType::F32, {6, 2}, st), Tensor{}}, {false, true}, one("num_outputs", attr_int(2))});
  ++st;

  // Slice: default axes/steps, negative indices and steps, clamping, INT64 extremes,
  // omitted axes with steps, int32 indices.
  struct SCase {
    Shape s;
    std::vector<int64_t> starts, ends, axes, steps;  // axes/steps empty: omitted
  };
  const int64_t MAX = INT64_MAX, MIN = INT64_MIN;
  const SCase scases[] = {
      {{20, 10, 5}, {0, 0}, {3, 10}, {0, 1}, {1, 1}},
      {{20, 10, 5}, {0, 0, 3}, {20, 10, 4}, {}, {}},
      {{20, 10, 5}, {20, 10, 4}, {0, 0, 1}, {0, 1, 2}, {-1, -3, -2}},
      {{20, 10, 5}, {MAX, -1}, {MIN, MIN}, {0, 2}, {-1, -1}},
      {{20, 10, 5}, {-100, 1}, {100, MAX}, {-2, -1}, {7, 3}},
      {{33, 31}, {1, 30}, {32, MIN}, {}, {2, -4}},
      {{1023}, {5}, {5}, {0}, {1}},
      {{0, 7}, {0, 1}, {5, 6}, {}, {}},
      {{3, 4, 5, 6}, {1}, {3}, {2}, {}},
  };
  for (const auto& c : scases) {
    for (DType dt : kTypes) {
      SelftestCase sc{"Slice", {data_of(dt, c.s, st++), st_i64_values(c.starts), st_i64_values(c.ends)}, {}, {}};
      if (!c.axes.empty() || !c.steps.empty()) {
        sc.inputs.push_back(c.axes.empty() ? Tensor{} : st_i64_values(c.axes));
        if (c.axes.empty()) sc.omitted = {false, false, false, true};
      }
      if (!c.steps.empty()) {
        sc.inputs.push_back(st_i64_values(c.steps));
        if (!sc.omitted.empty()) sc.omitted.push_back(false);
      }
      out.push_back(std::move(sc));
    }
  }
  out.push_back({"Slice", {data_of(DType::F32, {9, 17}, st++), ints_of(DType::I32, {INT32_MIN, 3}),
                           ints_of(DType::I32, {INT32_MAX, -1}), ints_of(DType::I32, {0, -1}),
                           ints_of(DType::I32, {2, 5})}, {}, {}});

  // Gather: axes, negative indices, int32/int64 indices of rank 0..2, empty.
  for (DType dt : kTypes) {
    for (DType it : {DType::I64, DType::I32}) {
      Tensor i1 = st_ints(it, {17}, st, -31, 30);
      Tensor i2 = st_ints(it, {3, 5}, st + 1, -7, 6);
      Tensor i0 = st_ints(it, {}, st + 2, -5, 4);
      out.push_back({"Gather", {data_of(dt, {31, 7}, st + 3), i1}, {}, {}});
      out.push_back({"Gather", {data_of(dt, {3, 7, 5}, st + 4), i2}, {}, one("axis", attr_int(1))});
      out.push_back({"Gather", {data_of(dt, {5, 3}, st + 5), i0}, {}, one("axis", attr_int(-2))});
      out.push_back({"Gather", {data_of(dt, {4, 0}, st + 6), st_ints(it, {2}, st + 7, -4, 3)}, {}, {}});
      st += 8;
    }
  }
  out.push_back({"Gather", {data_of(DType::F32, {7, 1000}, st), st_ints(DType::I64, {33}, st + 1, -1000, 999)}, {},
                 one("axis", attr_int(1))});
}

}  // namespace aivm
