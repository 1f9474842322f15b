// native/math/transcendental.h — umbrella header for the float transcendental
// functions shared by every backend (scalar reference, SIMD builds, CUDA):
//   exp_f32 log_f32 tanh_f32 erf_f32 sigmoid_f32 gelu_erf_f32 gelu_tanh_f32
//   softplus_f32 pow_f32, sin/cos/tan/asin/acos/atan/sinh/cosh/asinh/acosh/atanh
//   _f32 (trig.h), and fma_f32.
// All are AIVM_MATH_FN (static inline, __host__ __device__ under CUDA) in
// namespace aivm::math. Algorithms and measured errors: docs/numerics/math.md.
#pragma once

#include "common.h"
#include "fma.h"
#include "exp_log.h"
#include "erf.h"
#include "activations.h"
#include "pow.h"
#include "trig.h"
