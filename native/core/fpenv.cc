#include "core/fpenv.h"

#include "aivm/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace aivm {

#if defined(__x86_64__) || defined(__i386__)
// MXCSR: bit 15 FTZ, bit 6 DAZ, bits 13-14 rounding (00 = nearest even).
// Exception masks (bits 7-12) stay as they are: all masked, as C requires.
static constexpr unsigned kMxcsrControl = (1u << 15) | (1u << 6) | (3u << 13);

bool strict_fpenv_active() { return (_mm_getcsr() & kMxcsrControl) == 0; }

void enter_strict_fpenv() {
  _mm_setcsr(_mm_getcsr() & ~kMxcsrControl);
  if (!strict_fpenv_active()) {
    throw Error(ErrorCode::E_FPENV, "engine: could not clear FTZ/DAZ and set round-to-nearest in MXCSR");
  }
}
#elif defined(__aarch64__)
// FPCR: bit 24 FZ (flush to zero), bits 22-23 RMode (00 = nearest even), bit 19 FZ16.
static constexpr unsigned long kFpcrControl = (1ul << 24) | (3ul << 22) | (1ul << 19);

static unsigned long read_fpcr() {
  unsigned long v;
  __asm__ volatile("mrs %0, fpcr" : "=r"(v));
  return v;
}

bool strict_fpenv_active() { return (read_fpcr() & kFpcrControl) == 0; }

void enter_strict_fpenv() {
  unsigned long v = read_fpcr() & ~kFpcrControl;
  __asm__ volatile("msr fpcr, %0" : : "r"(v));
  if (!strict_fpenv_active()) {
    throw Error(ErrorCode::E_FPENV, "engine: could not clear FZ and set round-to-nearest in FPCR");
  }
}
#else
#error "aivm: no strict floating-point environment setup for this architecture"
#endif

}  // namespace aivm
