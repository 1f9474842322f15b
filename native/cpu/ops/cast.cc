// Cast: every conversion between the engine's 18 dtypes, each defined for
// every input value so all machines agree (docs/numerics/cast.md). The
// per-element definition is math::cast_element (native/math/convert.h), shared
// with the CUDA kernels; this file only walks the tensor.
#include <cstdint>

#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "math/convert.h"
#include "ops/cast.h"

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

template <DType From, DType To> void cast_typed(const OpContext& ctx, const Tensor& in, Tensor& out) {
  const storage_t<From>* pi = in.ptr<storage_t<From>>();
  storage_t<To>* po = out.ptr<storage_t<To>>();
  if constexpr (math::is_f8<To>() || To == DType::F8E8M0) {
    const math::CastMode mode = ctx.params_as<ops::CastParams>().mode;
    ctx.parallel_for(in.numel(), kMinChunkElements, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) po[i] = math::cast_element<From, To>(pi[i], mode);
    });
  } else {
    ctx.parallel_for(in.numel(), kMinChunkElements, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) po[i] = math::cast_element<From, To>(pi[i]);
    });
  }
}

// The target dtype was read from 'to' by infer; the output tensor carries it.
void compute_cast(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  visit_dtype(x.dtype, [&](auto from) {
    visit_dtype(out[0].dtype, [&](auto to) { cast_typed<decltype(from)::value, decltype(to)::value>(ctx, x, out[0]); });
  });
}

}  // namespace

void add_cast_computes(ComputeTable& t) { t.add(OpId::Cast, compute_cast); }

}  // namespace aivm::cpu::AIVM_ISA_NS
