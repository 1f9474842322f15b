#include "cpu/features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <cstdint>
#endif

namespace aivm::cpu {

#if defined(__x86_64__) || defined(__i386__)
static uint64_t read_xcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t(edx) << 32) | eax;
}

CpuFeatures detect_cpu_features() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  bool fma = c & (1u << 12);
  bool osxsave = c & (1u << 27);
  bool avx = c & (1u << 28);
  if (!osxsave || !avx) return f;
  uint64_t xcr0 = read_xcr0();
  bool ymm_state = (xcr0 & 0x6) == 0x6;            // SSE and AVX state
  bool zmm_state = (xcr0 & 0xe6) == 0xe6;          // plus opmask, ZMM_Hi256, Hi16_ZMM
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  bool avx2 = b & (1u << 5);
  bool avx512f = b & (1u << 16);
  f.avx2_fma = avx2 && fma && ymm_state;
  f.avx512f = f.avx2_fma && avx512f && zmm_state;
  return f;
}
#elif defined(__aarch64__)
CpuFeatures detect_cpu_features() {
  CpuFeatures f;
  f.neon = true;  // Advanced SIMD is mandatory in AArch64
  return f;
}
#else
CpuFeatures detect_cpu_features() { return CpuFeatures{}; }
#endif

}  // namespace aivm::cpu
