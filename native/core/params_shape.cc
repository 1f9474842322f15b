#include "core/params_shape.h"

namespace aivm::params {

std::vector<int64_t> read_ints(const Tensor& t) {
  std::vector<int64_t> v(size_t(t.numel()));
  if (t.dtype == DType::I64) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.ptr<int64_t>()[i];
  } else {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.ptr<int32_t>()[i];
  }
  return v;
}

SliceDim slice_dim(int64_t s, int64_t e, int64_t step, int64_t dim) {
  // ONNX: negative values count from the end (once), then clamp to [0, dim]
  // for positive steps and to [0, dim-1] / [-1, dim-1] for negative steps.
  // s + dim cannot overflow: s < 0 and 0 <= dim <= 2^34.
  if (s < 0) s += dim;
  if (e < 0) e += dim;
  int64_t size;
  if (dim == 0) {
    s = 0;
    size = 0;
  } else if (step > 0) {
    s = s < 0 ? 0 : (s > dim ? dim : s);
    e = e < 0 ? 0 : (e > dim ? dim : e);
    size = e > s ? 1 + (e - s - 1) / step : 0;  // ceil((e - s) / step) without overflow
  } else {
    s = s < 0 ? 0 : (s > dim - 1 ? dim - 1 : s);
    e = e < -1 ? -1 : (e > dim - 1 ? dim - 1 : e);
    // ceil((s - e) / -step); -step taken as unsigned so INT64_MIN is fine.
    uint64_t ustep = uint64_t(0) - uint64_t(step);
    size = s > e ? int64_t(1 + uint64_t(s - e - 1) / ustep) : 0;
  }
  // With at most one element the step is never applied; 1 keeps the stride
  // arithmetic in compute from overflowing for huge steps.
  if (size <= 1) step = 1;
  return {s, step, size};
}

void check_gather_indices(const OpContext& ctx, const std::vector<int64_t>& idx, int axis, int64_t dim) {
  for (size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] < -dim || idx[i] >= dim) {
      fail(ErrorCode::E_INDEX, ctx.op, "input 1 (indices) element " + std::to_string(i) + " = " +
                                    std::to_string(idx[i]) + " is out of range for axis " + std::to_string(axis) +
                                    " of size " + std::to_string(dim) + " (allowed [" + std::to_string(-dim) +
                                    ", " + std::to_string(dim - 1) + "])");
    }
  }
}

}  // namespace aivm::params
