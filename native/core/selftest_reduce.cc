// Placeholder: the reduce family's self-test cases.
#include "core/selftest.h"

namespace aivm {
void selftest_cases_reduce(CaseList&) {}
}  // namespace aivm
