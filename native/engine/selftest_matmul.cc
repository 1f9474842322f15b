// Self-test cases for MatMul and Gemm: every shape rule (1-D operands, batch
// broadcasting, empty dims, K = 0), block edges of the GEMM (K > 256 continues
// the chain through the output, M/N past the register tiles), every
// transA/transB/alpha/beta/C form, and special values. About 2.5e6 fmas in all,
// so the scalar backend (software fma) stays fast. Streams 3000-3999.
#include "engine/selftest.h"

namespace aivm {

void selftest_cases_matmul(CaseList& out) {
  uint64_t stream = 3000;
  const std::vector<std::pair<Shape, Shape>> mm = {
      {{1, 1}, {1, 1}},        {{3, 7}, {7, 17}},       {{17, 31}, {31, 33}},     {{33, 3}, {3, 31}},
      {{7}, {7}},              {{7}, {7, 3}},           {{17, 7}, {7}},           {{7}, {3, 7, 5}},
      {{2, 1, 3, 7}, {4, 7, 5}}, {{1, 17, 9}, {3, 9, 1}}, {{5, 3, 33}, {33, 17}},  {{0, 3, 7}, {7, 5}},
      {{3, 0}, {0, 5}},        {{3, 7}, {7, 0}},        {{17, 300}, {300, 33}},   {{100, 100}, {100, 100}},
      {{1, 1023}, {1023, 31}}, {{31, 257}, {257, 3}},   {{1000, 7}, {7, 17}},
  };
  for (const auto& s : mm) {
    out.push_back({"MatMul", {st_special(s.first, stream), st_special(s.second, stream + 1)}, {}, {}});
    out.push_back({"MatMul", {st_uniform(s.first, stream + 2), st_uniform(s.second, stream + 3)}, {}, {}});
    stream += 4;
  }
  // Gemm: (M, N, K) x transA x transB x C forms, alpha/beta set or default.
  const std::vector<std::vector<int64_t>> gd = {{1, 1, 1}, {3, 17, 7}, {33, 7, 31}, {17, 33, 300}};
  int variant = 0;
  for (const auto& d : gd) {
    const int64_t M = d[0], N = d[1], K = d[2];
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (int cf = 0; cf < 6; ++cf, ++variant) {
          const Shape cs[] = {{}, {M, N}, {N}, {M, 1}, {1, N}, {}};
          SelftestCase c;
          c.op = "Gemm";
          c.inputs.push_back(st_special(ta ? Shape{K, M} : Shape{M, K}, stream++));
          c.inputs.push_back(st_uniform(tb ? Shape{N, K} : Shape{K, N}, stream++));
          if (cf != 0) c.inputs.push_back(st_special(cs[cf], stream++));
          if (ta) c.attrs.set("transA", attr_int(1));
          if (tb) c.attrs.set("transB", attr_int(1));
          if (variant % 3 != 0) c.attrs.set("alpha", attr_float(variant % 3 == 1 ? 0.5f : -1.75f));
          if (variant % 4 != 0) c.attrs.set("beta", attr_float(variant % 4 == 1 ? 0.0f : 2.5f));
          out.push_back(std::move(c));
        }
  }
  // Gemm with an omitted (not just absent) C, and with K = 0.
  {
    SelftestCase c;
    c.op = "Gemm";
    c.inputs = {st_uniform({7, 3}, stream++), st_uniform({3, 5}, stream++), Tensor()};
    c.omitted = {false, false, true};
    out.push_back(std::move(c));
  }
  out.push_back({"Gemm", {st_uniform({4, 0}, stream), st_uniform({0, 3}, stream + 1), st_uniform({3}, stream + 2)}, {}, {}});
}

}  // namespace aivm
