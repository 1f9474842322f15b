// Cast: every conversion between the engine's dtypes, each defined for
// every input value so all machines agree (docs/numerics/cast.md). The
// per-element definition is math::cast_element (native/math/convert.h), shared
// with the CUDA kernels; this file only walks the tensor.
#include <cstdint>
#include <cstring>

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

// BitCast: the bytes unchanged, except that a 4- or 2-bit target is written as
// its canonical byte (the low bits, sign-extended for int4/int2: dtype.h), so the
// output holds only values of its type.
void compute_bitcast(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const DType to = out[0].dtype;
  const int bits = sub_byte_bits(to);
  const bool is_signed = to == DType::I4 || to == DType::I2;
  const uint8_t* pi = static_cast<const uint8_t*>(x.data);
  uint8_t* po = static_cast<uint8_t*>(out[0].data);
  const int64_t n = int64_t(x.nbytes());
  ctx.parallel_for(n, kMinChunkElements, [&](int64_t begin, int64_t end) {
    if (bits == 0) {
      std::memcpy(po + begin, pi + begin, size_t(end - begin));
      return;
    }
    for (int64_t i = begin; i < end; ++i) po[i] = uint8_t(math::sub_byte_int(pi[i], bits, is_signed));
  });
}

}  // namespace

void add_cast_computes(ComputeTable& t) {
  t.add(OpId::Cast, compute_cast);
  t.add(OpId::BitCast, compute_bitcast);
}

}  // namespace aivm::cpu::AIVM_ISA_NS
