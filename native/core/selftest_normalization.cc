// Placeholder: the normalization family's self-test cases.
#include "core/selftest.h"

namespace aivm {
void selftest_cases_normalization(CaseList&) {}
}  // namespace aivm
