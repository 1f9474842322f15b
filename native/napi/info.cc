// Synchronous entry points: engine facts, the error class, hashing.
#include <cmath>

#include "aivm/hash.h"
#include "napi/addon.h"
#include "napi/errors.h"
#include "napi/tensor_convert.h"

namespace aivm::napi {

Isa isa_from_js(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return default_isa();
  if (!value.IsString()) throw Error(ErrorCode::E_ISA_UNAVAILABLE, "isa must be a string such as 'avx2'");
  return resolve_isa(value.As<Napi::String>().Utf8Value());
}

int threads_from_js(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return 1;
  double d = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= 1 && d <= kMaxThreads) || d != std::floor(d)) {
    throw Error(ErrorCode::E_THREADS, "threads must be an integer in [1, " + std::to_string(kMaxThreads) + "]");
  }
  return int(d);
}

// aivm/limits.h, as numbers (each is below 2^53).
static Napi::Object limits_object(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  auto set = [&](const char* name, int64_t v) { o.Set(name, Napi::Number::New(env, double(v))); };
  set("maxRank", kMaxRank);
  set("maxElements", kMaxElements);
  set("maxBytes", kMaxBytes);
  set("maxOpInputs", kMaxOpInputs);
  set("maxOpOutputs", kMaxOpOutputs);
  set("maxAttrElements", kMaxAttrElements);
  set("maxAttrStringBytes", kMaxAttrStringBytes);
  set("maxOpIndexTableEntries", kMaxOpIndexTableEntries);
  set("defaultRunOpMaxBytes", kDefaultRunOpMaxBytes);
  set("maxProgramNodes", kMaxProgramNodes);
  set("maxProgramValues", kMaxProgramValues);
  set("maxProgramAttrBytes", kMaxProgramAttrBytes);
  return o;
}

Napi::Value engine_info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return napi_entry(env, "engineInfo", [&]() -> Napi::Value {
    Addon* addon = env.GetInstanceData<Addon>();
    Napi::Object out = Napi::Object::New(env);
    out.Set("version", kEngineVersion);
    out.Set("numerics", kNumericsVersion);
    Napi::Array isas = Napi::Array::New(env);
    for (Isa i : available_isas()) isas.Set(isas.Length(), isa_name(i));
    out.Set("isas", isas);
    try {
      out.Set("defaultIsa", isa_name(default_isa()));
    } catch (const Error& e) {
      throw Error(e.code(), std::string("AIVM_ISA: ") + e.what());
    }
    out.Set("cuda", cuda_status());
    out.Set("threads", Napi::Number::New(env, addon->engine.hardware_threads()));
    Napi::Array ops = Napi::Array::New(env);
    for (const std::string& name : op_names()) ops.Set(ops.Length(), name);
    out.Set("ops", ops);
    Napi::Array selftest_ops = Napi::Array::New(env);
    for (const std::string& name : selftest_op_names()) selftest_ops.Set(selftest_ops.Length(), name);
    out.Set("selftestOps", selftest_ops);
    Napi::Object data_inputs = Napi::Object::New(env);
    for (const auto& kv : op_data_inputs()) {
      Napi::Array list = Napi::Array::New(env, kv.second.size());
      for (size_t i = 0; i < kv.second.size(); ++i) list.Set(uint32_t(i), Napi::Number::New(env, kv.second[i]));
      data_inputs.Set(kv.first, list);
    }
    out.Set("dataInputs", data_inputs);
    out.Set("limits", limits_object(env));
#if defined(AIVM_FAULT_INJECTION)
    out.Set("faultInjection", true);  // a test build (docs/RELIABILITY.md): AIVM_FAULT makes the engine throw
#endif
    return out;
  });
}

Napi::Value set_error_class(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "setErrorClass expects a constructor");
  env.GetInstanceData<Addon>()->error_class = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value hash_tensors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return napi_entry(env, "hashTensors", [&]() -> Napi::Value {
    if (!info[0].IsArray()) throw Error(ErrorCode::E_DTYPE, "hashTensors: expected an array of tensors");
    Napi::Array arr = info[0].As<Napi::Array>();
    HeldData held(env, HeldData::Mode::VERIFY);
    std::vector<Tensor> tensors;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      tensors.push_back(tensor_from_js(arr.Get(i), "hashTensors: tensor " + std::to_string(i), held));
    }
    held.verify();
    std::vector<const Tensor*> ptrs;
    for (const Tensor& t : tensors) ptrs.push_back(&t);
    return Napi::String::New(env, hex(hash_tensors(ptrs)));
  });
}

}  // namespace aivm::napi
