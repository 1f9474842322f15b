// Host-side checks shared by the CPU (cpu/ops/binary.cc) and CUDA
// (cuda/binary.cu) binary ops, so both refuse the same data with the same error.
// Compiled once, with baseline flags (native/ops): every ISA copy of the op
// and the CUDA op call the same code.
#pragma once
#include "ops/op.h"

namespace aivm::ops {

// Integer Div refuses a zero anywhere in B (an int32 or int64 tensor) before
// computing anything: E_VALUE naming the first zero element.
void check_no_zero_divisor(const OpContext& ctx, const Tensor& b);

// What Mod's contract keeps for compute (ops/op.h Params): fmod=1 is the
// truncated remainder (sign of the dividend), fmod=0 the floored one (sign of
// the divisor; integers only).
struct ModParams {
  bool fmod;
};

// BitShift: direction "LEFT" (true) or "RIGHT".
struct BitShiftParams {
  bool left;
};

}  // namespace aivm::ops
