// Each ISA library (the same compute sources compiled with that ISA's flags, in
// its own namespace) exports one compute table. Which libraries exist depends on
// the target architecture; AIVM_HAVE_* are set by the build. Only the engine
// layer (native/engine) includes this.
#pragma once
#include "ops/op.h"

namespace aivm::cpu {
namespace scalar { const ComputeTable& compute_table(); }
#if defined(AIVM_HAVE_AVX2)
namespace avx2 { const ComputeTable& compute_table(); }
#endif
#if defined(AIVM_HAVE_AVX512)
namespace avx512 { const ComputeTable& compute_table(); }
#endif
#if defined(AIVM_HAVE_NEON)
namespace neon { const ComputeTable& compute_table(); }
#endif
}  // namespace aivm::cpu
