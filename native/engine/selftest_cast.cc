// Self-test cases for Cast: every (from, to) pair over float32, int32, int64 and
// bool, with special floats (NaN, inf, -0, subnormals), values past every
// integer range and integers past 2^24. Streams 9000-9999.
#include "engine/selftest.h"

#include <limits>

namespace aivm {

void selftest_cases_cast(CaseList& out) {
  const int64_t tags[] = {1, 6, 7, 9};
  uint64_t stream = 9000;
  const float big = 1e19f, i32max = 2147483648.0f;
  const std::vector<float> edges = {
      0.0f, -0.0f, 0.5f, -0.5f, 0.99999994f, -1.5f, 2.5f, 16777217.0f, -16777216.0f,
      2147483520.0f, -2147483520.0f, i32max, -i32max, 4294967296.0f, 9.2233715e18f, -9.2233715e18f,
      9.223372e18f, -9.223372e18f, big, -big, 3e38f, -3e38f,
      std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
      std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
      std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::min()};
  for (int64_t to : tags) {
    Attrs a;
    a.set("to", attr_int(to));
    for (const Shape& s : std::vector<Shape>{{1}, {7}, {33}, {1023}, {}, {0, 5}}) {
      out.push_back({"Cast", {st_special(s, stream++)}, {}, a});
    }
    out.push_back({"Cast", {st_uniform({1000}, stream++, -5e9f, 5e9f)}, {}, a});
    out.push_back({"Cast", {st_uniform({1000}, stream++, -3e19f, 3e19f)}, {}, a});
    out.push_back({"Cast", {st_f32_values({int64_t(edges.size())}, edges)}, {}, a});
    // (st_ints needs hi - lo to fit in int64: it is computed signed.)
    out.push_back({"Cast", {st_ints(DType::I64, {1023}, stream++, -((int64_t(1) << 62) - 1), (int64_t(1) << 62) - 1)}, {}, a});
    out.push_back({"Cast", {st_i64_values({std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                                           (int64_t(1) << 24) + 1, (int64_t(1) << 53) + 1, -(int64_t(1) << 31) - 1,
                                           int64_t(1) << 32, 4294967295, 2147483648})}, {}, a});
    out.push_back({"Cast", {st_ints(DType::I64, {31}, stream++, -40000000, 40000000)}, {}, a});
    out.push_back({"Cast", {st_ints(DType::I64, {17}, stream++, -1, 1)}, {}, a});
    out.push_back({"Cast", {st_ints(DType::I32, {1023}, stream++, INT32_MIN, INT32_MAX)}, {}, a});
    out.push_back({"Cast", {st_ints(DType::I32, {7}, stream++, -2, 2)}, {}, a});
    out.push_back({"Cast", {st_bools({33}, stream++)}, {}, a});
  }
  // saturate is accepted and has no effect.
  Attrs sat;
  sat.set("to", attr_int(6));
  sat.set("saturate", attr_int(0));
  out.push_back({"Cast", {st_special({17}, stream++)}, {}, sat});
}

}  // namespace aivm
