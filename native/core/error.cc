#include "aivm/error.h"

namespace aivm {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::E_SHAPE: return "E_SHAPE";
    case ErrorCode::E_DTYPE: return "E_DTYPE";
    case ErrorCode::E_ATTR: return "E_ATTR";
    case ErrorCode::E_ARITY: return "E_ARITY";
    case ErrorCode::E_INDEX: return "E_INDEX";
    case ErrorCode::E_VALUE: return "E_VALUE";
    case ErrorCode::E_UNSUPPORTED_OP: return "E_UNSUPPORTED_OP";
    case ErrorCode::E_ISA_UNAVAILABLE: return "E_ISA_UNAVAILABLE";
    case ErrorCode::E_THREADS: return "E_THREADS";
    case ErrorCode::E_TOO_LARGE: return "E_TOO_LARGE";
    case ErrorCode::E_FPENV: return "E_FPENV";
    case ErrorCode::E_ARG: return "E_ARG";
    case ErrorCode::E_INTERNAL: return "E_INTERNAL";
    case ErrorCode::E_DEVICE: return "E_DEVICE";
    case ErrorCode::E_TIMEOUT: return "E_TIMEOUT";
    case ErrorCode::E_CANCELLED: return "E_CANCELLED";
    case ErrorCode::E_MEMORY_LIMIT: return "E_MEMORY_LIMIT";
  }
  return "E_INTERNAL";
}

void fail(ErrorCode code, const std::string& op, const std::string& detail) {
  throw Error(code, op + ": " + detail);
}

}  // namespace aivm
