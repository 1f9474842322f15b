// Registration only: the functions live in their own files.
#include "napi/addon.h"

namespace aivm::napi {

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* addon = new Addon();
  env.SetInstanceData(addon);  // deleted by Node when this environment ends
  addon->program_class = Napi::Persistent(define_program_class(env));
  addon->program_builder_class = Napi::Persistent(define_program_builder_class(env));
  exports.Set("engineInfo", Napi::Function::New(env, engine_info, "engineInfo"));
  exports.Set("setErrorClass", Napi::Function::New(env, set_error_class, "setErrorClass"));
  exports.Set("runOp", Napi::Function::New(env, run_op, "runOp"));
  exports.Set("hashTensors", Napi::Function::New(env, hash_tensors, "hashTensors"));
  exports.Set("selftest", Napi::Function::New(env, selftest, "selftest"));
  exports.Set("inferOp", Napi::Function::New(env, infer_op, "inferOp"));
  exports.Set("createProgram", Napi::Function::New(env, create_program, "createProgram"));
  exports.Set("createProgramBuilder", Napi::Function::New(env, create_program_builder, "createProgramBuilder"));
  return exports;
}

}  // namespace aivm::napi

static Napi::Object InitAivm(Napi::Env env, Napi::Object exports) { return aivm::napi::init(env, exports); }

NODE_API_MODULE(aivm_native, InitAivm)
