// Native failures become instances of the JS AivmError class (lib/errors.ts),
// whose constructor JS hands to the addon once at load (setErrorClass).
#pragma once
#include <napi.h>

#include <new>
#include <stdexcept>
#include <string>

#include "aivm/error.h"

namespace aivm::napi {

// Creates `new AivmError(code, message)` with the registered class, or a plain
// Error carrying .code when no class was registered.
Napi::Error make_error(Napi::Env env, const std::string& code, const std::string& message);

// For AsyncWorker::Execute, where no N-API call may be made: runs work() and turns
// what it throws into a code and message that OnOK later rejects the promise with.
// An aivm::Error keeps its code and message (which name the op); running out of
// memory is E_TOO_LARGE and anything else E_INTERNAL, both prefixed with `where`.
template <class Work> void capture_error(const std::string& where, std::string& code, std::string& message,
                                         Work&& work) {
  try {
    work();
  } catch (const Error& e) {
    code = error_code_name(e.code());
    message = e.what();
  } catch (const std::bad_alloc&) {
    code = "E_TOO_LARGE";
    message = where + ": out of memory";
  } catch (const std::exception& e) {
    code = "E_INTERNAL";
    message = where + ": " + e.what();
  }
}

}  // namespace aivm::napi
