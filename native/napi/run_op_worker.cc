// runOp: the baton pattern. On the main thread: convert and check the JS
// arguments and keep references to the input arrays; on a libuv thread: run the
// op with no N-API calls; back on the main thread: settle the promise.
#include <memory>

#include "core/selftest.h"
#include "napi/addon.h"
#include "napi/errors.h"
#include "napi/tensor_convert.h"

namespace aivm::napi {

namespace {

class RunOpWorker : public Napi::AsyncWorker {
 public:
  RunOpWorker(Napi::Env env, Addon* addon, std::string op, std::vector<Tensor> inputs, std::vector<bool> present,
              Attrs attrs, Isa isa, int threads)
      : Napi::AsyncWorker(env, "aivm.runOp"),
        deferred_(Napi::Promise::Deferred::New(env)),
        addon_(addon),
        op_(std::move(op)),
        inputs_(std::move(inputs)),
        present_(std::move(present)),
        attrs_(std::move(attrs)),
        isa_(isa),
        threads_(threads) {}

  Napi::Promise promise() { return deferred_.Promise(); }
  void keep_alive(const Napi::Value& v) { keep_ = Napi::Persistent(v.As<Napi::Object>()); }

  void Execute() override {
    capture_error(op_, code_, message_, [&] {
      std::vector<const Tensor*> ptrs;
      for (size_t i = 0; i < inputs_.size(); ++i) ptrs.push_back(present_[i] ? &inputs_[i] : nullptr);
      outputs_ = addon_->engine.run_op(op_, ptrs, attrs_, isa_, threads_);
    });
  }

  void OnOK() override {
    Napi::Env env = Env();
    keep_.Reset();
    if (!code_.empty()) {
      deferred_.Reject(make_error(env, code_, message_).Value());
      return;
    }
    Napi::Array out = Napi::Array::New(env, outputs_.size());
    for (size_t i = 0; i < outputs_.size(); ++i) out.Set(uint32_t(i), tensor_to_js(env, outputs_[i]));
    deferred_.Resolve(out);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Addon* addon_;
  std::string op_;
  std::vector<Tensor> inputs_;
  std::vector<bool> present_;
  Attrs attrs_;
  Isa isa_;
  int threads_;
  Napi::ObjectReference keep_;  // the JS inputs array: keeps every buffer alive
  std::vector<Tensor> outputs_;
  std::string code_, message_;
};

class SelftestWorker : public Napi::AsyncWorker {
 public:
  SelftestWorker(Napi::Env env, Addon* addon, Isa isa, int threads)
      : Napi::AsyncWorker(env, "aivm.selftest"), deferred_(Napi::Promise::Deferred::New(env)),
        addon_(addon), isa_(isa), threads_(threads) {}
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      result_ = run_selftest(addon_->engine, isa_, threads_);
    } catch (const Error& e) {
      code_ = error_code_name(e.code());
      message_ = std::string("selftest: ") + e.what();
    } catch (const std::exception& e) {
      code_ = "E_INTERNAL";
      message_ = std::string("selftest: ") + e.what();
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!code_.empty()) {
      deferred_.Reject(make_error(env, code_, message_).Value());
      return;
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("isa", result_.isa);
    out.Set("threads", Napi::Number::New(env, result_.threads));
    out.Set("numerics", kNumericsVersion);
    out.Set("cases", Napi::Number::New(env, result_.cases));
    Napi::Object ops = Napi::Object::New(env);
    for (const auto& kv : result_.ops) ops.Set(kv.first, kv.second);
    out.Set("ops", ops);
    out.Set("total", result_.total);
    deferred_.Resolve(out);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Addon* addon_;
  Isa isa_;
  int threads_;
  SelftestResult result_;
  std::string code_, message_;
};

}  // namespace

// runOp(op: string, inputs: (Tensor|null)[], attrs?: object, isa?: string, threads?: number)
Napi::Value run_op(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Addon* addon = env.GetInstanceData<Addon>();
  try {
    if (!info[0].IsString()) throw Error(ErrorCode::E_UNSUPPORTED_OP, "runOp: op must be a string");
    std::string op = info[0].As<Napi::String>().Utf8Value();
    if (!info[1].IsArray()) throw Error(ErrorCode::E_ARITY, op + ": inputs must be an array");
    Napi::Array arr = info[1].As<Napi::Array>();
    std::vector<Tensor> inputs;
    std::vector<bool> present;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value v = arr.Get(i);
      bool given = !(v.IsNull() || v.IsUndefined());
      inputs.push_back(given ? tensor_from_js(v, op + ": input " + std::to_string(i)) : Tensor{});
      present.push_back(given);
    }
    Attrs attrs = attrs_from_js(info[2], op);
    Isa isa = isa_from_js(info[3]);
    int threads = threads_from_js(info[4]);
    auto* worker = new RunOpWorker(env, addon, op, std::move(inputs), std::move(present), std::move(attrs), isa, threads);
    worker->keep_alive(arr);
    Napi::Promise p = worker->promise();
    worker->Queue();
    return p;
  } catch (const Error& e) {
    throw make_error(env, error_code_name(e.code()), e.what());
  }
}

// selftest(isa?: string, threads?: number) -> Promise<{isa, threads, numerics, ops, total}>
Napi::Value selftest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Addon* addon = env.GetInstanceData<Addon>();
  try {
    Isa isa = isa_from_js(info[0]);
    int threads = threads_from_js(info[1]);
    auto* worker = new SelftestWorker(env, addon, isa, threads);
    Napi::Promise p = worker->promise();
    worker->Queue();
    return p;
  } catch (const Error& e) {
    throw make_error(env, error_code_name(e.code()), e.what());
  }
}

}  // namespace aivm::napi
