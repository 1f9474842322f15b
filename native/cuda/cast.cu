// CUDA Cast: one thread per element, the per-element definition of
// native/math/convert.h that the CPU computes use too (docs/numerics/cast.md).
// Every conversion is defined for every input value: float -> int range tests
// come before the conversion, so the device instruction only ever sees
// in-range values and its own out-of-range behaviour never shows.
#include <cstdint>

#include "cuda/device.h"
#include "cuda/ops.h"
#include "math/convert.h"
#include "ops/cast.h"

namespace aivm::cuda {
namespace {

template <DType From, DType To>
AIVM_KERNEL cast_kernel(int64_t n, const storage_t<From>* x, storage_t<To>* y, math::CastMode mode) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = math::cast_element<From, To>(x[i], mode);
}

// The float8 targets' saturate and round_mode (CastParams) travel as a kernel argument.
template <DType From, DType To> void run_cast(const OpContext& ctx, std::vector<Tensor>& out) {
  const math::CastMode mode = ctx.params_as<ops::CastParams>().mode;
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), cast_kernel<From, To>, s.in<storage_t<From>>(0), s.out<storage_t<To>>(0), mode);
  s.finish();
}

// The target dtype was read from 'to' by infer; the output tensor carries it.
void compute_cast(const OpContext& ctx, std::vector<Tensor>& out) {
  visit_dtype(ctx.input(0).dtype, [&](auto from) {
    visit_dtype(out[0].dtype, [&](auto to) { run_cast<decltype(from)::value, decltype(to)::value>(ctx, out); });
  });
}

// BitCast: one thread per byte; a 4- or 2-bit target gets its canonical byte
// (bits != 0), as the CPU compute.
AIVM_KERNEL bitcast_kernel(int64_t n, const uint8_t* x, uint8_t* y, int bits, bool is_signed) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = bits ? uint8_t(math::sub_byte_int(x[i], bits, is_signed)) : x[i];
}

void compute_bitcast(const OpContext& ctx, std::vector<Tensor>& out) {
  const DType to = out[0].dtype;
  Staging s(ctx, out);
  launch(ctx.op, int64_t(ctx.input(0).nbytes()), bitcast_kernel, s.in<uint8_t>(0), s.out<uint8_t>(0), sub_byte_bits(to),
         to == DType::I4 || to == DType::I2);
  s.finish();
}

}  // namespace

void add_cast_computes(ComputeTable& t) {
  t.add(OpId::Cast, compute_cast);
  t.add(OpId::BitCast, compute_bitcast);
}

}  // namespace aivm::cuda
