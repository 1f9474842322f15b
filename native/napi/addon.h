// Per-environment addon state (one per main thread or worker_thread): its own
// engine and thread pool and the JS error class. No mutable statics anywhere,
// so piscina workers each get an independent, safe copy.
#pragma once
#include <napi.h>

#include <memory>

#include "aivm/engine.h"

namespace aivm {
class Program;
}  // namespace aivm

namespace aivm::napi {

// A Program built natively (ProgramBuilder) on its way into a NativeProgram,
// with the JS object that keeps the buffers it borrows alive.
struct BuiltProgram {
  std::shared_ptr<const Program> program;
  Napi::Object keep_alive;
};

struct Addon {
  Engine engine;
  Napi::FunctionReference error_class;
  Napi::FunctionReference program_class;  // NativeProgram, built by createProgram and ProgramBuilder.build
  Napi::FunctionReference program_builder_class;  // NativeProgramBuilder, made by createProgramBuilder
  // Set by wrap_program only while it constructs a NativeProgram from it (no JS
  // runs in between): how a built Program reaches the class constructor without
  // any argument JS could forge.
  BuiltProgram* pending_program = nullptr;
};

// Exported functions, one file each (see addon.cc for the table).
Napi::Value engine_info(const Napi::CallbackInfo& info);
Napi::Value set_error_class(const Napi::CallbackInfo& info);
Napi::Value run_op(const Napi::CallbackInfo& info);
Napi::Value hash_tensors(const Napi::CallbackInfo& info);
Napi::Value selftest(const Napi::CallbackInfo& info);
Napi::Value infer_op(const Napi::CallbackInfo& info);
Napi::Value create_program(const Napi::CallbackInfo& info);
Napi::Function define_program_class(Napi::Env env);
Napi::Value wrap_program(Napi::Env env, std::shared_ptr<const Program> program, Napi::Object keep_alive);
Napi::Value create_program_builder(const Napi::CallbackInfo& info);
Napi::Function define_program_builder_class(Napi::Env env);

// Resolves an optional JS isa name (undefined -> default, honouring AIVM_ISA).
Isa isa_from_js(const Napi::Value& value);
int threads_from_js(const Napi::Value& value);

}  // namespace aivm::napi
