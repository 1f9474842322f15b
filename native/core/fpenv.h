// The floating-point environment every engine thread must run in: round to
// nearest even, subnormals honoured (no flush-to-zero, no denormals-are-zero).
#pragma once

namespace aivm {

// Sets the environment on the calling thread, then checks it; throws E_FPENV if
// the hardware did not take it.
void enter_strict_fpenv();
// True when the calling thread's environment is the strict one.
bool strict_fpenv_active();

}  // namespace aivm
