#include "napi/errors.h"

#include "napi/addon.h"

namespace aivm::napi {

Napi::Error make_error(Napi::Env env, const std::string& code, const std::string& message) {
  Addon* addon = env.GetInstanceData<Addon>();
  if (addon && !addon->error_class.IsEmpty()) {
    Napi::Object err = addon->error_class.New({Napi::String::New(env, code), Napi::String::New(env, message)});
    return Napi::Error(env, err);
  }
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

}  // namespace aivm::napi
