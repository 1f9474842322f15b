// Self-test cases for the indexing ops: none while they are outside the pinned
// aivm-fp32-v1 self-test (ops/op_list.h AIVM_OPS_OUTSIDE_SELFTEST); their bits are
// held by test/native/test_indexing.cc on every ISA x threads and emulated CUDA.
#include "engine/selftest.h"

namespace aivm {

void selftest_cases_indexing(CaseList&) {}

}  // namespace aivm
