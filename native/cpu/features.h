// What this CPU and OS can run, read once from cpuid and xgetbv (x86) or the
// architecture (AArch64 always has NEON).
#pragma once

namespace aivm::cpu {

struct CpuFeatures {
  bool avx2_fma = false;  // AVX2 + FMA3, and the OS saves YMM state
  bool avx512f = false;   // AVX-512F, and the OS saves ZMM and opmask state
  bool neon = false;
};

CpuFeatures detect_cpu_features();

}  // namespace aivm::cpu
