// Fault injection for the tests that prove no C++ exception leaves the addon
// except as an AivmError (docs/RELIABILITY.md). Compiled in only with
// -DAIVM_FAULT_INJECTION (npm run test:js:asan builds such an addon); in every
// other build inject() is an empty inline function.
//
// AIVM_FAULT=<site>:<kind>[:<op>] makes the engine throw at that site (for that
// op only, when given): site infer | compute | hash; kind bad_alloc (what a
// failed allocation throws), std (a std::runtime_error) or other (an int: not
// even a std::exception).
#pragma once

namespace aivm::fault {

enum class Site { INFER, COMPUTE, HASH };

#if defined(AIVM_FAULT_INJECTION)
void inject(Site site, const char* op);
#else
inline void inject(Site, const char*) {}
#endif

}  // namespace aivm::fault
