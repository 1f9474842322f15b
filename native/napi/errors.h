// Native failures become instances of the JS AivmError class (lib/errors.ts),
// whose constructor JS hands to the addon once at load (setErrorClass).
//
// No C++ exception may leave the addon except as an AivmError: node-addon-api
// turns only Napi::Error into a JS exception, and anything else thrown out of a
// callback reaches std::terminate and ends the process (one hostile kernel would
// take a node down). Every entry point therefore runs its body through
// napi_entry() (synchronous calls) or capture_error() (AsyncWorker::Execute).
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

// Runs work() and turns what it throws into a code and a message: an aivm::Error
// keeps its code and message (which name the op); running out of memory is
// E_TOO_LARGE and anything else E_INTERNAL, both prefixed with `where`.
// Returns true when work() finished. No N-API calls: safe in AsyncWorker::Execute.
template <class Work> bool capture_error(const std::string& where, std::string& code, std::string& message,
                                         Work&& work) {
  try {
    work();
    return true;
  } catch (const Error& e) {
    code = error_code_name(e.code());
    message = e.what();
  } catch (const std::bad_alloc&) {
    code = "E_TOO_LARGE";
    message = where + ": out of memory";
  } catch (const std::exception& e) {
    code = "E_INTERNAL";
    message = where + ": " + e.what();
  } catch (...) {
    code = "E_INTERNAL";
    message = where + ": an unknown exception";
  }
  return false;
}

// The body of a synchronous entry point: returns what body() returns, or throws
// the AivmError for what it threw (a Napi::Error, i.e. a pending JS exception,
// passes through unchanged).
template <class Body> auto napi_entry(Napi::Env env, const std::string& where, Body&& body) -> decltype(body()) {
  std::string code, message;
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    // capture_error rethrows into its own handlers: one mapping for both paths.
    capture_error(where, code, message, [] { throw; });
  }
  throw make_error(env, code, message);
}

}  // namespace aivm::napi
