// Self-test cases for Conv (2-D): kernel sizes 1..5 incl. non-square, strides,
// dilations, explicit and auto pads (every mode), groups incl. depthwise, bias
// or not, K > 256 (the chain continues through the output), batch > 1 and
// special values. About 1.5e6 fmas in all. Streams 4000-4999.
#include "engine/selftest.h"

namespace aivm {

namespace {
struct ConvSpec {
  Shape x, w;
  int64_t group;
  std::vector<int64_t> strides, dilations, pads;  // empty: attribute absent
  const char* auto_pad;                           // nullptr: absent
  bool bias;
  bool special;
};
}  // namespace

void selftest_cases_conv(CaseList& out) {
  const std::vector<ConvSpec> specs = {
      {{1, 1, 1, 1}, {1, 1, 1, 1}, 1, {}, {}, {}, nullptr, false, true},
      {{1, 3, 7, 7}, {4, 3, 3, 3}, 1, {}, {}, {1, 1, 1, 1}, nullptr, true, true},
      {{2, 3, 17, 13}, {5, 3, 3, 2}, 1, {2, 1}, {1, 2}, {0, 1, 2, 3}, nullptr, true, true},
      {{1, 4, 31, 33}, {3, 4, 5, 5}, 1, {3, 2}, {}, {2, 2, 2, 2}, nullptr, false, false},
      {{1, 2, 17, 17}, {3, 2, 3, 3}, 1, {}, {2, 2}, {}, "SAME_UPPER", true, true},
      {{1, 2, 16, 15}, {3, 2, 4, 3}, 1, {2, 2}, {}, {}, "SAME_LOWER", true, false},
      {{1, 2, 16, 15}, {3, 2, 4, 3}, 1, {2, 2}, {}, {}, "SAME_UPPER", false, false},
      {{1, 2, 9, 10}, {3, 2, 3, 3}, 1, {2, 3}, {}, {}, "VALID", true, true},
      {{2, 6, 9, 10}, {4, 3, 3, 3}, 2, {}, {}, {1, 1, 1, 1}, nullptr, true, true},
      {{1, 17, 12, 13}, {17, 1, 3, 3}, 17, {}, {}, {1, 1, 1, 1}, nullptr, true, true},   // depthwise
      {{1, 8, 12, 13}, {16, 1, 5, 5}, 8, {2, 2}, {}, {2, 2, 2, 2}, nullptr, true, false},  // multiplier 2
      {{1, 33, 9, 9}, {7, 33, 3, 3}, 1, {}, {}, {1, 1, 1, 1}, nullptr, true, true},      // K = 297 > 256
      {{1, 300, 5, 7}, {17, 300, 1, 1}, 1, {}, {}, {}, nullptr, true, true},            // pointwise, K = 300
      {{3, 5, 11, 7}, {31, 5, 1, 1}, 1, {2, 2}, {}, {}, nullptr, false, true},
      {{1, 16, 23, 23}, {16, 16, 3, 3}, 1, {}, {}, {1, 1, 1, 1}, nullptr, true, false},
      {{0, 3, 5, 5}, {2, 3, 3, 3}, 1, {}, {}, {}, nullptr, true, false},               // empty batch
  };
  uint64_t stream = 4000;
  for (const ConvSpec& s : specs) {
    SelftestCase c;
    c.op = "Conv";
    c.inputs.push_back(s.special ? st_special(s.x, stream) : st_uniform(s.x, stream));
    c.inputs.push_back(st_uniform(s.w, stream + 1));
    if (s.bias) c.inputs.push_back(st_special({s.w[0]}, stream + 2));
    stream += 3;
    if (s.group != 1) c.attrs.set("group", attr_int(s.group));
    if (!s.strides.empty()) c.attrs.set("strides", attr_ints(s.strides));
    if (!s.dilations.empty()) c.attrs.set("dilations", attr_ints(s.dilations));
    if (!s.pads.empty()) c.attrs.set("pads", attr_ints(s.pads));
    if (s.auto_pad) c.attrs.set("auto_pad", attr_string(s.auto_pad));
    c.attrs.set("kernel_shape", attr_ints({s.w[2], s.w[3]}));
    out.push_back(std::move(c));
  }
}

}  // namespace aivm
