#include "core/params_normalization.h"

namespace aivm::params {

std::vector<float> layer_norm_expand_param(const Tensor& t, const Shape& norm) {
  int64_t n = dims_product(norm, 0, int(norm.size()));
  std::vector<float> v(static_cast<size_t>(n));
  std::vector<int64_t> bs = broadcast_strides(t.shape, norm);
  const float* p = t.ptr<float>();
  std::vector<int64_t> idx(norm.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (size_t d = 0; d < norm.size(); ++d) off += idx[d] * bs[d];
    v[size_t(i)] = p[off];
    for (size_t d = norm.size(); d-- > 0;) {
      if (++idx[d] < norm[d]) break;
      idx[d] = 0;
    }
  }
  return v;
}

}  // namespace aivm::params
