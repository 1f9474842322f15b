// One error type for the whole engine. Every failure a user can cause carries a
// stable code (mirrored by AivmError.code in lib/errors.ts) and a message that
// names the op, the input and what was expected.
#pragma once
#include <stdexcept>
#include <string>

namespace aivm {

enum class ErrorCode {
  E_SHAPE,             // shapes do not agree or are out of range
  E_DTYPE,             // an input has the wrong element type
  E_ATTR,              // an attribute is missing, has the wrong type or a bad value
  E_ARITY,             // wrong number of inputs
  E_INDEX,             // an index (Gather, Slice, axis) is out of range
  E_VALUE,             // input data the op cannot accept (integer division by zero, ...)
  E_UNSUPPORTED_OP,    // no such op in this engine
  E_ISA_UNAVAILABLE,   // the requested instruction set is unknown or missing on this CPU
  E_THREADS,           // bad thread count
  E_TOO_LARGE,         // a tensor would exceed the engine's size limits
  E_FPENV,             // the floating-point environment could not be set (FTZ/DAZ/rounding)
  E_ARG,               // a malformed request (a Program spec with bad ids, missing data)
  E_INTERNAL,          // a bug: an engine invariant did not hold
  E_DEVICE,            // the GPU (CUDA runtime) failed: out of device memory, a kernel fault
  E_TIMEOUT,           // a run passed its deadline (checked between nodes and at chunk boundaries)
  E_CANCELLED,         // a run was cancelled by its caller (an AbortSignal)
  E_MEMORY_LIMIT,      // a run or op would need more memory than the caller allows (refused before allocating)
};

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Throws aivm::Error; the message is "<op>: <detail>" so every message names its op.
[[noreturn]] void fail(ErrorCode code, const std::string& op, const std::string& detail);

}  // namespace aivm
