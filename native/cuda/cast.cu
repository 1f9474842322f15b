// CUDA Cast: one thread per element, the same conversions as
// native/cpu/ops/cast.cc (docs/numerics/cast.md), every one defined for every
// input value. The float -> int range tests come before the conversion, as on
// the CPU, so the device instruction only ever sees in-range values and its
// own out-of-range behaviour never shows.
#include <cstdint>
#include <type_traits>

#include "cuda/device.h"
#include "cuda/ops.h"

namespace aivm::cuda {
namespace {

// float32 -> int32/int64: NaN -> 0, >= 2^(bits-1) -> MAX, <= -2^(bits-1) -> MIN,
// else truncation toward zero (exact: the value is representable).
template <class I> AIVM_HD I float_to_int(float x) {
  constexpr float kTwoPow = float(uint64_t(1) << (sizeof(I) * 8 - 1));  // 2^31 or 2^63, exact
  constexpr I kMax = sizeof(I) == 8 ? I(INT64_MAX) : I(INT32_MAX);
  constexpr I kMin = I(-kMax - 1);  // -2^(bits-1)
  if (x != x) return I(0);
  if (x >= kTwoPow) return kMax;
  if (x <= -kTwoPow) return kMin;
#if defined(__CUDA_ARCH__)
  if constexpr (sizeof(I) == 8) return I(__float2ll_rz(x));
  else return I(__float2int_rz(x));
#else
  return I(x);
#endif
}

// Integer -> float32, rounded to nearest even (the CPU's cvtsi2ss / scvtf).
template <class I> AIVM_HD float int_to_float(I v) {
#if defined(__CUDA_ARCH__)
  if constexpr (sizeof(I) == 8) return __ll2float_rn((long long)v);
  else return __int2float_rn(int(v));
#else
  return float(v);
#endif
}

// One element from Ti to To (the table of docs/numerics/cast.md).
template <class Ti, class To> AIVM_HD To convert(Ti v) {
  if constexpr (std::is_same<To, uint8_t>::value) {
    // -> bool: x != 0 (NaN -> true, +-0 -> false; any non-zero bool byte -> 1).
    if constexpr (std::is_same<Ti, float>::value) return uint8_t(v != 0.0f);
    else return uint8_t(v != Ti(0));
  } else if constexpr (std::is_same<Ti, uint8_t>::value) {
    // bool -> number: false -> 0, true -> 1.
    if constexpr (std::is_same<To, float>::value) return v ? 1.0f : 0.0f;
    else return To(v != 0);
  } else if constexpr (std::is_same<Ti, float>::value) {
    // float -> float is the NaN canonicalization; float -> int is F2I.
    if constexpr (std::is_same<To, float>::value) return canon(v);
    else return float_to_int<To>(v);
  } else if constexpr (std::is_same<To, float>::value) {
    return int_to_float<Ti>(v);
  } else {
    // int -> int: sign extension, copy, or (int64 -> int32) the low 32 bits
    // in two's complement, through unsigned and int64 arithmetic so every step
    // is defined behaviour.
    if constexpr (sizeof(To) < sizeof(Ti)) {
      const uint32_t u = uint32_t(uint64_t(v));
      return To(u >= 0x80000000u ? int64_t(u) - 0x100000000LL : int64_t(u));
    } else {
      return To(v);
    }
  }
}

template <class Ti, class To> AIVM_KERNEL cast_kernel(int64_t n, const Ti* x, To* y) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = convert<Ti, To>(x[i]);
}

template <class Ti, class To> void run_cast(const OpContext& ctx, std::vector<Tensor>& out) {
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), cast_kernel<Ti, To>, s.in<Ti>(0), s.out<To>(0));
  s.finish();
}

// The target dtype was read from 'to' by infer; the output tensor carries it.
template <class Ti> void cast_from(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (out[0].dtype) {
    case DType::F32: return run_cast<Ti, float>(ctx, out);
    case DType::I32: return run_cast<Ti, int32_t>(ctx, out);
    case DType::I64: return run_cast<Ti, int64_t>(ctx, out);
    case DType::BOOL: return run_cast<Ti, uint8_t>(ctx, out);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

void compute_cast(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (ctx.input(0).dtype) {
    case DType::F32: return cast_from<float>(ctx, out);
    case DType::I32: return cast_from<int32_t>(ctx, out);
    case DType::I64: return cast_from<int64_t>(ctx, out);
    case DType::BOOL: return cast_from<uint8_t>(ctx, out);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

}  // namespace

void add_cast_computes(ComputeTable& t) { t.add(OpId::Cast, compute_cast); }

}  // namespace aivm::cuda
