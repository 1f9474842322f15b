// Self-test cases for MaxPool, AveragePool and GlobalAveragePool: every
// attribute (kernel, strides, dilations, pads, auto_pad, ceil_mode,
// count_include_pad) over odd shapes, on inputs with NaN/inf/-0/subnormals.
// Streams 5000-5999.
#include "engine/selftest.h"

namespace aivm {

namespace {

Attrs pool_attrs(const std::vector<int64_t>& k, const std::vector<int64_t>& s, const std::vector<int64_t>& d,
                 const std::vector<int64_t>& pads, const char* auto_pad, int64_t ceil_mode) {
  Attrs a;
  a.set("kernel_shape", attr_ints(k));
  a.set("strides", attr_ints(s));
  a.set("dilations", attr_ints(d));
  if (std::string(auto_pad) == "NOTSET") a.set("pads", attr_ints(pads));
  a.set("auto_pad", attr_string(auto_pad));
  a.set("ceil_mode", attr_int(ceil_mode));
  return a;
}

// Output size of one dim (the op itself refuses the combinations where it is < 1).
int64_t out_dim(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe, const std::string& ap,
                int64_t ceil_mode) {
  if (ap == "SAME_UPPER" || ap == "SAME_LOWER") return (in + s - 1) / s;
  int64_t num = in + pb + pe - ((k - 1) * d + 1);
  if (num < 0) return 0;
  if (!ceil_mode) return num / s + 1;
  int64_t o = (num + s - 1) / s + 1;
  if ((o - 1) * s >= in + pb) --o;
  return o;
}

}  // namespace

void selftest_cases_pool(CaseList& out) {
  uint64_t stream = 5000;
  // One input per shape, reused by every attribute set.
  const std::vector<Shape> shapes = {{1, 1, 1, 1}, {1, 3, 7, 7}, {2, 1, 17, 31}, {1, 2, 33, 9}, {3, 2, 5, 12}};
  struct Geo {
    std::vector<int64_t> k, s, d, pads;
  };
  const std::vector<Geo> geos = {
      {{1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}}, {{2, 2}, {1, 1}, {1, 1}, {0, 0, 0, 0}},
      {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}}, {{3, 2}, {1, 3}, {2, 1}, {2, 0, 1, 1}},
      {{2, 3}, {3, 2}, {1, 2}, {0, 1, 1, 2}}, {{5, 5}, {1, 1}, {1, 1}, {2, 2, 2, 2}},
      {{1, 4}, {2, 1}, {1, 3}, {0, 3, 0, 0}}, {{7, 7}, {3, 3}, {1, 1}, {3, 3, 3, 3}},
  };
  for (const Shape& shape : shapes) {
    Tensor x = st_special(shape, stream++);
    for (const Geo& g : geos) {
      for (const char* ap : {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"}) {
        for (int64_t ceil_mode : {0, 1}) {
          bool zero_pads = std::string(ap) != "NOTSET";
          int64_t oh = out_dim(shape[2], g.k[0], g.s[0], g.d[0], zero_pads ? 0 : g.pads[0],
                               zero_pads ? 0 : g.pads[2], ap, ceil_mode);
          int64_t ow = out_dim(shape[3], g.k[1], g.s[1], g.d[1], zero_pads ? 0 : g.pads[1],
                               zero_pads ? 0 : g.pads[3], ap, ceil_mode);
          if (oh < 1 || ow < 1) continue;
          Attrs a = pool_attrs(g.k, g.s, g.d, g.pads, ap, ceil_mode);
          out.push_back({"MaxPool", {x}, {}, a});
          for (int64_t cip : {0, 1}) {
            Attrs b = a;
            b.set("count_include_pad", attr_int(cip));
            out.push_back({"AveragePool", {x}, {}, b});
          }
        }
      }
    }
  }
  // Larger planes (several threads' worth of rows) and empty batch / channels.
  Tensor big = st_special({2, 4, 67, 45}, stream++);
  out.push_back({"MaxPool", {big}, {}, pool_attrs({3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, "NOTSET", 1)});
  Attrs avg_big = pool_attrs({3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, "NOTSET", 0);
  out.push_back({"AveragePool", {big}, {}, avg_big});
  avg_big.set("count_include_pad", attr_int(1));
  out.push_back({"AveragePool", {big}, {}, avg_big});
  Tensor empty_n = st_special({0, 3, 5, 5}, stream++);
  Tensor empty_c = st_special({2, 0, 5, 5}, stream++);
  out.push_back({"MaxPool", {empty_n}, {}, pool_attrs({2, 2}, {1, 1}, {1, 1}, {0, 0, 0, 0}, "NOTSET", 0)});
  out.push_back({"AveragePool", {empty_c}, {}, pool_attrs({2, 2}, {1, 1}, {1, 1}, {0, 0, 0, 0}, "NOTSET", 0)});

  // GlobalAveragePool: planes below, at and above the 16-lane sum width; rank 3 to 5.
  for (const Shape& s : std::vector<Shape>{{1, 1, 1, 1}, {2, 3, 7, 5}, {1, 2, 4, 4}, {1, 3, 17, 1}, {1, 2, 33, 31},
                                           {2, 2, 1000}, {1, 1, 1023}, {1, 2, 3, 5, 7}, {0, 3, 2, 2}, {3, 0, 4}}) {
    out.push_back({"GlobalAveragePool", {st_special(s, stream++)}, {}, {}});
  }
  out.push_back({"GlobalAveragePool", {st_uniform({2, 8, 56, 56}, stream++)}, {}, {}});
}

}  // namespace aivm
