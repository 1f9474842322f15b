// Self-test cases for Softmax, LogSoftmax, LayerNormalization and
// BatchNormalization: every axis, odd slice lengths, broadcast Scale/B, with
// and without the optional B, special values and empty tensors.
#include "engine/selftest.h"

namespace aivm {

void selftest_cases_normalization(CaseList& out) {
  uint64_t stream = 6000;
  auto axis_attrs = [](int64_t axis) {
    Attrs a;
    a.set("axis", attr_int(axis));
    return a;
  };
  // Softmax / LogSoftmax: last axis over odd lengths, then every axis of 3-D/4-D shapes.
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    for (int64_t n : {1, 3, 7, 17, 31, 33, 1000, 1023}) {
      out.push_back({op, {st_special({3, n}, stream++)}, {}, {}});
    }
    out.push_back({op, {st_uniform({2, 4097}, stream++, -8.0f, 8.0f)}, {}, axis_attrs(1)});
    for (const Shape& s : {Shape{3, 17, 5, 7}, Shape{2, 33, 70}}) {
      int rank = int(s.size());
      for (int axis = -rank; axis < rank; ++axis) {
        out.push_back({op, {st_special(s, stream++)}, {}, axis_attrs(axis)});
      }
    }
    out.push_back({op, {st_uniform({0, 5}, stream++)}, {}, axis_attrs(0)});
  }
  // LayerNormalization: every axis, full and broadcast Scale/B, B omitted, epsilons.
  for (const Shape& s : {Shape{3, 17}, Shape{2, 1023}, Shape{3, 5, 7}, Shape{2, 3, 4, 31}, Shape{1000}}) {
    int rank = int(s.size());
    for (int axis = -rank; axis < rank; ++axis) {
      int ax = axis < 0 ? axis + rank : axis;
      Shape norm(s.begin() + ax, s.end());
      Attrs a = axis_attrs(axis);
      out.push_back({"LayerNormalization",
                     {st_special(s, stream), st_uniform(norm, stream + 1, -2.0f, 2.0f),
                      st_uniform(norm, stream + 2)},
                     {},
                     a});
      a.set("epsilon", attr_float(1e-3f));
      out.push_back({"LayerNormalization",
                     {st_uniform(s, stream + 3, -3.0f, 3.0f), st_uniform({norm.back()}, stream + 4, -2.0f, 2.0f)},
                     {},
                     a});
      out.push_back({"LayerNormalization",
                     {st_uniform(s, stream + 5, -3.0f, 3.0f), st_uniform({1}, stream + 6),
                      st_uniform({norm.back()}, stream + 7)},
                     {},
                     a});
      stream += 8;
    }
  }
  out.push_back({"LayerNormalization", {st_uniform({3, 0}, stream), st_uniform({0}, stream + 1)}, {}, {}});
  stream += 2;
  // BatchNormalization: ranks 2 to 5, odd channel and spatial sizes, specials.
  for (const Shape& s : {Shape{2, 3}, Shape{1, 17, 31}, Shape{3, 7, 5, 5}, Shape{2, 33, 1023}, Shape{1, 3, 2, 3, 4},
                         Shape{0, 3, 2}}) {
    int64_t c = s[1];
    Attrs a;
    a.set("epsilon", attr_float(1e-3f));
    a.set("momentum", attr_float(0.9f));
    out.push_back({"BatchNormalization",
                   {st_special(s, stream), st_uniform({c}, stream + 1, -2.0f, 2.0f), st_uniform({c}, stream + 2),
                    st_uniform({c}, stream + 3), st_uniform({c}, stream + 4, 0.0f, 2.0f)},
                   {},
                   a});
    stream += 5;
  }
}

}  // namespace aivm
