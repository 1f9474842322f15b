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
// or a math:: function shared with the CPU. nvcc also gets --fmad=false, so no
// a*b+c is ever fused behind our back.
#pragma once
#include <cstdint>

#include "math/common.h"
#include "math/fma.h"

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
AIVM_HD float sqrt_rn(float a) {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(a);
#else
  return __builtin_sqrtf(a);  // the IEEE instruction (-fno-math-errno), as the CPU backends use
#endif
}
AIVM_HD float fma_rn(float a, float b, float c) { return math::fma_f32(a, b, c); }

// The one NaN every float op writes, and the canonicalizing select.
AIVM_HD float canonical_nan() { return math::f32_from_bits(0x7FC00000u); }
AIVM_HD float canon(float r) { return r != r ? canonical_nan() : r; }

// max / min with the CPU's rules (cpu/op_common.h): NaN wins, +0 > -0.
AIVM_HD float max_f32(float a, float b) {
  if (a != a || b != b) return canonical_nan();
  if (a == b) return math::sign_bit_f32(a) ? b : a;
  return a > b ? a : b;
}
AIVM_HD float min_f32(float a, float b) {
  if (a != a || b != b) return canonical_nan();
  if (a == b) return math::sign_bit_f32(a) ? a : b;
  return a < b ? a : b;
}

// The canonical float sum of docs/NUMERICS.md (cpu/op_common.h canonical_sum):
// element i of x[0], x[stride], ... goes to partial sum i % 16, partials start
// at -0, combined by the fixed tree 8/4/2/1; an empty sum is +0. One thread runs
// all 16 lanes, so the order is the CPU's exactly.
AIVM_HD float canonical_sum(const float* x, int64_t n, int64_t stride) {
  if (n == 0) return 0.0f;
  float acc[16];
  for (int j = 0; j < 16; ++j) acc[j] = -0.0f;
  for (int64_t i = 0; i < n; ++i) acc[i % 16] = add_rn(acc[i % 16], x[i * stride]);
  for (int w = 8; w >= 1; w /= 2) {
    for (int j = 0; j < w; ++j) acc[j] = add_rn(acc[j], acc[j + w]);
  }
  return acc[0];
}

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
