#include "core/shape_util.h"

#include <algorithm>

#include "aivm/error.h"

namespace aivm {

Shape broadcast_shapes(const std::string& op, const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      fail(ErrorCode::E_SHAPE, op, "shapes " + shape_str(a) + " and " + shape_str(b) +
                                       " cannot be broadcast together (dimension " + std::to_string(i) + ")");
    }
  }
  return out;
}

std::vector<int64_t> strides_of(const Shape& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> s(out.size(), 0);
  std::vector<int64_t> own = strides_of(in);
  size_t offset = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) s[offset + i] = in[i] == 1 ? 0 : own[i];
  return s;
}

int normalize_axis(const std::string& op, const char* attr, int64_t axis, int rank) {
  if (axis < -int64_t(rank) || axis >= int64_t(rank)) {
    fail(ErrorCode::E_ATTR, op, std::string("attribute '") + attr + "' = " + std::to_string(axis) +
                                    " is out of range for rank " + std::to_string(rank));
  }
  return int(axis < 0 ? axis + rank : axis);
}

int64_t dims_product(const Shape& shape, int begin, int end) {
  int64_t p = 1;
  for (int i = begin; i < end; ++i) p *= shape[size_t(i)];
  return p;
}

std::vector<int64_t> batch_offsets(const Shape& in, const Shape& out, int64_t matrix_size) {
  const int64_t n = dims_product(out, 0, int(out.size()));
  std::vector<int64_t> offs(size_t(n), 0);
  std::vector<int64_t> st = broadcast_strides(in, out);
  for (int64_t b = 0; b < n; ++b) {
    int64_t rem = b, off = 0;
    for (int d = int(out.size()) - 1; d >= 0; --d) {
      off += (rem % out[size_t(d)]) * st[size_t(d)];
      rem /= out[size_t(d)];
    }
    offs[size_t(b)] = off * matrix_size;
  }
  return offs;
}

}  // namespace aivm
