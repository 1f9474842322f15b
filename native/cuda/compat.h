// What the CUDA op files need from the compiler, written once for two builds:
//  - nvcc (AIVM_CUDA=1): real kernels, launched as <<<blocks, threads>>>;
//  - the host emulation build (AIVM_CUDA_EMULATE, plain g++/clang): the same
//    kernel bodies compiled as C++ and run by one CPU thread, so every native
//    test checks the CUDA kernels' arithmetic bit for bit against scalar even on
//    machines without a GPU (docs/CROSS_HARDWARE.md says what that does and does
//    not prove).
// The emulation is exact only because every kernel follows two rules: one
// thread computes whole output elements from inputs alone (no shared memory, no
// __syncthreads, no atomics, no warp shuffles), and every float operation is an
// explicit correctly rounded one (add_rn, mul_rn, div_rn, sqrt_rn, math::fma_f32)
// or a math:: function shared with the CPU (math/canonical.h's sum and max/min
// included). nvcc also gets --fmad=false, so no
// a*b+c is ever fused behind our back.
#pragma once
#include <cstdint>

#include "math/canonical.h"
#include "math/common.h"
#include "math/fma.h"
#include "math/unary.h"

#if defined(__CUDACC__)
#include <cuda_runtime.h>
#define AIVM_HD __host__ __device__ inline
#define AIVM_KERNEL __global__ void
#else
#define AIVM_HD inline
#define AIVM_KERNEL void
#endif

namespace aivm::cuda {

// ---- Correctly rounded binary32 operations (round to nearest even) ------------

AIVM_HD float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
AIVM_HD float sub_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}
AIVM_HD float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
AIVM_HD float div_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}
// The same in binary64 (the float64 ops).
AIVM_HD double add_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
AIVM_HD double sub_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dsub_rn(a, b);
#else
  return a - b;
#endif
}
AIVM_HD double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
AIVM_HD double div_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __ddiv_rn(a, b);
#else
  return a / b;
#endif
}
AIVM_HD float sqrt_rn(float a) { return math::sqrt_f32(a); }  // __fsqrt_rn, or the CPU's instruction
AIVM_HD float fma_rn(float a, float b, float c) { return math::fma_f32(a, b, c); }

// The canonical NaN, max/min and 16-lane sum are the CPU's own (math/canonical.h).
using math::canon;
using math::canonical_nan;
using math::canonical_sum;
using math::max_f32;
using math::max_f64;
using math::min_f32;
using math::min_f64;

// ---- Grid-stride loops ----------------------------------------------------------
// Every kernel is `for (int64_t i = grid_first(); i < n; i += grid_stride())`:
// on the GPU each thread takes every stride-th element; emulated, one call walks
// them all. Either way each element is written once, by code that reads only inputs.
#if defined(__CUDACC__)
__device__ inline int64_t grid_first() { return int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ inline int64_t grid_stride() { return int64_t(gridDim.x) * blockDim.x; }
#else
inline int64_t grid_first() { return 0; }
inline int64_t grid_stride() { return 1; }
#endif

// Small fixed-size arrays passed to kernels by value (shapes, strides, offsets).
struct Dims {
  int64_t v[8];  // kMaxRank
};

}  // namespace aivm::cuda
