// Each ISA library (the same op sources compiled with that ISA's flags, in its
// own namespace) exports one op table. Which libraries exist depends on the
// target architecture; AIVM_HAVE_* are set by the build.
#pragma once
#include "core/op.h"

namespace aivm::cpu {
namespace scalar { const OpTable& op_table(); }
#if defined(AIVM_HAVE_AVX2)
namespace avx2 { const OpTable& op_table(); }
#endif
#if defined(AIVM_HAVE_AVX512)
namespace avx512 { const OpTable& op_table(); }
#endif
#if defined(AIVM_HAVE_NEON)
namespace neon { const OpTable& op_table(); }
#endif
}  // namespace aivm::cpu
