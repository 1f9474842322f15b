// Self-test cases for Add, Sub, Mul, Div, Pow, Equal, Less, Greater, Where.
#include "engine/selftest.h"

namespace aivm {

void selftest_cases_binary(CaseList& out) {
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{1}, {1}},          {{7}, {7}},         {{1023}, {1023}},   {{33, 17}, {33, 17}},
      {{3, 1, 31}, {7, 1}}, {{1000}, {}},      {{}, {3, 5}},       {{2, 3, 4, 5}, {4, 1}},
      {{17, 1}, {1, 33}},  {{0, 3}, {1, 3}},
  };
  uint64_t stream = 1000;
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Equal", "Less", "Greater"}) {
    for (const auto& s : shapes) {
      out.push_back({op, {st_special(s.first, stream), st_special(s.second, stream + 1)}, {}, {}});
      stream += 2;
    }
    // Integer forms (Div only with non-zero divisors).
    bool div = std::string(op) == "Div";
    out.push_back({op, {st_ints(DType::I64, {5, 7}, stream, -1000, 1000),
                        st_ints(DType::I64, {7}, stream + 1, div ? 1 : -50, 50)}, {}, {}});
    out.push_back({op, {st_ints(DType::I32, {31}, stream + 2, -100000, 100000),
                        st_ints(DType::I32, {31}, stream + 3, div ? 1 : -7, 7)}, {}, {}});
    stream += 4;
  }
  out.push_back({"Equal", {st_bools({17}, 1090), st_bools({17}, 1091)}, {}, {}});
  // Pow: positive and negative bases, fractional and integer exponents, specials.
  out.push_back({"Pow", {st_uniform({1000}, 1100, 0.0f, 4.0f), st_uniform({1000}, 1101, -8.0f, 8.0f)}, {}, {}});
  out.push_back({"Pow", {st_special({33, 17}, 1102), st_special({17}, 1103)}, {}, {}});
  out.push_back({"Pow", {st_uniform({7, 3}, 1104, -3.0f, 3.0f), st_ints(DType::I64, {3}, 1105, -4, 4)}, {}, {}});
  out.push_back({"Pow", {st_uniform({31}, 1106, -3.0f, 3.0f), st_ints(DType::F32, {31}, 1107, -5, 5)}, {}, {}});
  // Where: three-way broadcasting, every dtype.
  out.push_back({"Where", {st_bools({3, 1, 17}, 1200), st_special({5, 17}, 1201), st_special({1}, 1202)}, {}, {}});
  out.push_back({"Where", {st_bools({1023}, 1203), st_uniform({1023}, 1204), st_uniform({1023}, 1205)}, {}, {}});
  out.push_back({"Where", {st_bools({7}, 1206), st_ints(DType::I64, {7}, 1207, -9, 9),
                           st_ints(DType::I64, {3, 7}, 1208, -9, 9)}, {}, {}});
}

}  // namespace aivm
