// Native failures become instances of the JS AivmError class (lib/errors.ts),
// whose constructor JS hands to the addon once at load (setErrorClass).
#pragma once
#include <napi.h>

#include <string>

namespace aivm::napi {

// Creates `new AivmError(code, message)` with the registered class, or a plain
// Error carrying .code when no class was registered.
Napi::Error make_error(Napi::Env env, const std::string& code, const std::string& message);

}  // namespace aivm::napi
