// Self-test cases for ReduceSum, ReduceMean, ReduceMax and ReduceMin: every
// subset of axes of a 4-D tensor, axes as input and as attribute, keepdims,
// noop_with_empty_axes, odd lengths, integer dtypes and empty reductions.
#include "engine/selftest.h"

namespace aivm {

void selftest_cases_reduce(CaseList& out) {
  uint64_t stream = 7000;
  const char* float_ops[] = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"};
  for (const char* op : float_ops) {
    // Every subset of the axes of a 4-D tensor (mask 0: no axes = all).
    for (int mask = 0; mask < 16; ++mask) {
      std::vector<int64_t> axes;
      for (int d = 0; d < 4; ++d) {
        if (mask & (1 << d)) axes.push_back(mask & 1 ? d - 4 : d);
      }
      Attrs a;
      a.set("keepdims", attr_int(mask & 1));
      out.push_back({op, {st_special({3, 17, 5, 7}, stream++), st_i64_values(axes)}, {}, a});
    }
    // Odd lengths, contiguous and strided.
    for (int64_t n : {1, 3, 7, 17, 31, 33, 1000, 1023, 4097}) {
      out.push_back({op, {st_special({3, n}, stream++), st_i64_values({1})}, {}, {}});
      out.push_back({op, {st_uniform({n, 3}, stream++), st_i64_values({0})}, {}, {}});
    }
    // The older axes attribute; noop_with_empty_axes; an empty reduced dim; rank 0.
    Attrs attr_axes;
    attr_axes.set("axes", attr_ints({0, 2}));
    attr_axes.set("keepdims", attr_int(0));
    out.push_back({op, {st_special({33, 2, 70}, stream++)}, {}, attr_axes});
    Attrs noop;
    noop.set("noop_with_empty_axes", attr_int(1));
    out.push_back({op, {st_special({5, 7}, stream++), st_i64_values({})}, {}, noop});
    out.push_back({op, {st_uniform({3, 0, 2}, stream++), st_i64_values({1})}, {}, {}});
    out.push_back({op, {st_uniform({}, stream++)}, {}, {}});
  }
  // Integer forms (sums wrap).
  for (const char* op : {"ReduceSum", "ReduceMax", "ReduceMin"}) {
    for (DType dt : {DType::I32, DType::I64}) {
      int64_t lim = dt == DType::I32 ? int64_t(2000000000) : int64_t(4000000000000000000);
      out.push_back({op, {st_ints(dt, {3, 17, 5}, stream++, -lim, lim), st_i64_values({0, 2})}, {}, {}});
      out.push_back({op, {st_ints(dt, {1023}, stream++, -lim, lim)}, {}, {}});
      out.push_back({op, {st_ints(dt, {0, 4}, stream++, 0, 1), st_i64_values({0})}, {}, {}});
    }
  }
}

}  // namespace aivm
