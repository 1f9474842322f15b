// Self-test cases for Resize: none while it is outside the pinned aivm-fp32-v1
// self-test (ops/op_list.h AIVM_OPS_OUTSIDE_SELFTEST); its bits are held by
// test/native/test_resize.cc on every ISA x threads and emulated CUDA.
#include "engine/selftest.h"

namespace aivm {

void selftest_cases_resize(CaseList&) {}

}  // namespace aivm
