// Cast: every conversion between float32, int32, int64 and bool, each defined
// for every input value so all machines agree (docs/numerics/cast.md). ONNX
// leaves float -> int out of range undefined and hardware disagrees (x86
// cvttss2si gives INT_MIN for NaN and every out-of-range value, AArch64 fcvtzs
// saturates and gives 0 for NaN), so the range checks are done here, before a
// conversion that is then always in range and exact in C++.
#include <cstdint>
#include <limits>
#include <string>

#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "math/common.h"

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

// float32 -> signed integer: NaN -> 0, truncation toward zero, saturation to
// [min, max]. The bounds -2^(bits-1) and 2^(bits-1) are exact floats; a float
// strictly between them truncates to a representable integer, so the final
// C++ conversion is always in range (defined behaviour, the same everywhere).
template <class I> I float_to_int(float x) {
  constexpr float kTwoPow = float(uint64_t(1) << (sizeof(I) * 8 - 1));  // 2^31 or 2^63
  if (x != x) return I(0);
  if (x >= kTwoPow) return std::numeric_limits<I>::max();
  if (x <= -kTwoPow) return std::numeric_limits<I>::min();  // -2^(bits-1) is min itself
  return I(x);
}

// Walks the input once per thread chunk with a per-element conversion.
template <class Ti, class To, class F>
void convert(const OpContext& ctx, const Tensor& in, Tensor& out, F f) {
  const Ti* pi = in.ptr<Ti>();
  To* po = out.ptr<To>();
  ctx.parallel_for(in.numel(), kMinChunkElements, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) po[i] = f(pi[i]);
  });
}

inline float canon(float x) { return x != x ? math::f32_from_bits(0x7FC00000u) : x; }

void cast_from_f32(const OpContext& ctx, const Tensor& x, Tensor& y) {
  switch (y.dtype) {
    case DType::F32: convert<float, float>(ctx, x, y, canon); break;
    case DType::I32: convert<float, int32_t>(ctx, x, y, float_to_int<int32_t>); break;
    case DType::I64: convert<float, int64_t>(ctx, x, y, float_to_int<int64_t>); break;
    // x != 0 is true for NaN (NaN compares unequal to everything) and false for +-0.
    case DType::BOOL: convert<float, uint8_t>(ctx, x, y, [](float v) { return uint8_t(v != 0.0f); }); break;
  }
}

// Integer -> float32 rounds to nearest even (the IEEE conversion in the
// default rounding mode: cvtsi2ss / scvtf, exact for |v| <= 2^24).
template <class I> void cast_from_int(const OpContext& ctx, const Tensor& x, Tensor& y) {
  switch (y.dtype) {
    case DType::F32: convert<I, float>(ctx, x, y, [](I v) { return float(v); }); break;
    // Narrowing to int32 keeps the low 32 bits (two's complement wrap), done
    // through unsigned types so it is defined in every C++ dialect.
    case DType::I32:
      convert<I, int32_t>(ctx, x, y, [](I v) {
        uint32_t u = uint32_t(uint64_t(v));
        int32_t r;
        std::memcpy(&r, &u, 4);
        return r;
      });
      break;
    case DType::I64: convert<I, int64_t>(ctx, x, y, [](I v) { return int64_t(v); }); break;
    case DType::BOOL: convert<I, uint8_t>(ctx, x, y, [](I v) { return uint8_t(v != 0); }); break;
  }
}

// bool -> anything: false -> 0, true -> 1 (any non-zero byte is true).
void cast_from_bool(const OpContext& ctx, const Tensor& x, Tensor& y) {
  switch (y.dtype) {
    case DType::F32: convert<uint8_t, float>(ctx, x, y, [](uint8_t v) { return v ? 1.0f : 0.0f; }); break;
    case DType::I32: convert<uint8_t, int32_t>(ctx, x, y, [](uint8_t v) { return int32_t(v != 0); }); break;
    case DType::I64: convert<uint8_t, int64_t>(ctx, x, y, [](uint8_t v) { return int64_t(v != 0); }); break;
    case DType::BOOL: convert<uint8_t, uint8_t>(ctx, x, y, [](uint8_t v) { return uint8_t(v != 0); }); break;
  }
}

void compute_cast(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  switch (x.dtype) {
    case DType::F32: cast_from_f32(ctx, x, out[0]); break;
    case DType::I32: cast_from_int<int32_t>(ctx, x, out[0]); break;
    case DType::I64: cast_from_int<int64_t>(ctx, x, out[0]); break;
    case DType::BOOL: cast_from_bool(ctx, x, out[0]); break;
  }
}

}  // namespace

void add_cast_computes(ComputeTable& t) { t.add(OpId::Cast, compute_cast); }

}  // namespace aivm::cpu::AIVM_ISA_NS
