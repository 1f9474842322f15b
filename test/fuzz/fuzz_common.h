// Shared by the libFuzzer targets (npm run fuzz builds them with clang,
// -fsanitize=fuzzer,address,undefined; CMake option AIVM_FUZZ).
//
// A target's oracle: every input either works or fails with an aivm::Error.
// Anything else is a finding, and must stop the fuzzer with a crash so libFuzzer
// saves the input: another exception type (it would be E_INTERNAL or worse in
// Node), a sanitizer report, a malloc over -malloc_limit_mb, or two ISAs / thread
// counts disagreeing on an output hash (the numerics contract: equal bits).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "aivm/engine.h"
#include "aivm/hash.h"

namespace aivm_fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "aivm-fuzz: FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Runs body(); an aivm::Error is an accepted outcome (returns false), except
// E_INTERNAL, which the engine raises only when its own invariant broke (a
// kernel wrote past its output, a dtype escaped inference). Any other exception
// is a finding too.
template <class Body> bool accepted(const char* where, Body&& body) {
  try {
    body();
    return true;
  } catch (const aivm::Error& e) {
    if (e.code() == aivm::ErrorCode::E_INTERNAL) finding(std::string(where) + ": E_INTERNAL: " + e.what());
    return false;
  } catch (const std::exception& e) {
    finding(std::string(where) + ": non-aivm exception: " + e.what());
  } catch (...) {
    finding(std::string(where) + ": non-aivm exception of unknown type");
  }
}

inline std::string hash_of(const std::vector<aivm::Tensor>& ts) {
  std::vector<const aivm::Tensor*> ptrs;
  for (const aivm::Tensor& t : ts) ptrs.push_back(&t);
  return aivm::hex(aivm::hash_tensors(ptrs));
}

// The widest CPU ISA here: scalar is the specification, this is checked against it.
// Found once: asking cpuid on every input costs more than many an input.
inline aivm::Isa widest_cpu_isa() {
  static const aivm::Isa best = [] {
    aivm::Isa b = aivm::Isa::SCALAR;
    for (aivm::Isa i : aivm::available_isas()) {
      if (i != aivm::Isa::CUDA) b = i;
    }
    return b;
  }();
  return best;
}

}  // namespace aivm_fuzz
