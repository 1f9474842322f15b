// runOp and selftest: the baton pattern. On the main thread: convert and check
// the JS arguments, copying input bytes the job must own (HeldData::Mode::OWN);
// on a libuv thread: run with no N-API calls; back on the main thread: settle
// the promise.
#include <cmath>
#include <memory>

#include "engine/selftest.h"
#include "napi/addon.h"
#include "napi/errors.h"
#include "napi/tensor_convert.h"

namespace aivm::napi {

namespace {

// An AsyncWorker whose promise settles with what settle() builds, or rejects
// with the error Execute() captured; a failure while building the result (out
// of memory) rejects too instead of ending the process.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* name)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), name_(name) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  virtual Napi::Value settle(Napi::Env env) = 0;
  virtual void release() {}
  std::string code_, message_;

 private:
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (code_.empty()) {
      Napi::Value result;
      bool ok = capture_error(name_, code_, message_, [&] { result = settle(env); });
      if (ok) {
        release();
        deferred_.Resolve(result);
        return;
      }
    }
    release();
    deferred_.Reject(make_error(env, code_, message_).Value());
  }
  Napi::Promise::Deferred deferred_;
  const char* name_;
};

class RunOpWorker : public PromiseWorker {
 public:
  RunOpWorker(Napi::Env env, Addon* addon, std::string op, std::vector<Tensor> inputs, std::vector<bool> present,
              Attrs attrs, Isa isa, int threads, int64_t max_output_bytes, std::vector<Napi::ObjectReference> shared)
      : PromiseWorker(env, "aivm.runOp"),
        addon_(addon),
        op_(std::move(op)),
        inputs_(std::move(inputs)),
        present_(std::move(present)),
        attrs_(std::move(attrs)),
        isa_(isa),
        threads_(threads),
        max_output_bytes_(max_output_bytes),
        shared_(std::move(shared)) {}

  void Execute() override {
    capture_error(op_, code_, message_, [&] {
      std::vector<const Tensor*> ptrs;
      for (size_t i = 0; i < inputs_.size(); ++i) ptrs.push_back(present_[i] ? &inputs_[i] : nullptr);
      outputs_ = addon_->engine.run_op(op_, ptrs, attrs_, isa_, threads_, max_output_bytes_);
    });
  }

 private:
  Napi::Value settle(Napi::Env env) override {
    Napi::Array out = Napi::Array::New(env, outputs_.size());
    for (size_t i = 0; i < outputs_.size(); ++i) out.Set(uint32_t(i), tensor_to_js(env, outputs_[i]));
    return out;
  }
  void release() override { shared_.clear(); }

  Addon* addon_;
  std::string op_;
  std::vector<Tensor> inputs_;
  std::vector<bool> present_;
  Attrs attrs_;
  Isa isa_;
  int threads_;
  int64_t max_output_bytes_;
  std::vector<Napi::ObjectReference> shared_;  // inputs over SharedArrayBuffers, read in place
  std::vector<Tensor> outputs_;
};

class SelftestWorker : public PromiseWorker {
 public:
  SelftestWorker(Napi::Env env, Addon* addon, Isa isa, int threads)
      : PromiseWorker(env, "aivm.selftest"), addon_(addon), isa_(isa), threads_(threads) {}

  void Execute() override {
    capture_error("selftest", code_, message_, [&] { result_ = run_selftest(addon_->engine, isa_, threads_); });
    if (!code_.empty() && message_.rfind("selftest", 0) != 0) message_ = "selftest: " + message_;
  }

 private:
  Napi::Value settle(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("isa", result_.isa);
    out.Set("threads", Napi::Number::New(env, result_.threads));
    out.Set("numerics", kNumericsVersion);
    out.Set("cases", Napi::Number::New(env, result_.cases));
    Napi::Object ops = Napi::Object::New(env);
    for (const auto& kv : result_.ops) ops.Set(kv.first, kv.second);
    out.Set("ops", ops);
    out.Set("total", result_.total);
    return out;
  }

  Addon* addon_;
  Isa isa_;
  int threads_;
  SelftestResult result_;
};

// runOp's memory limit: the bytes of all outputs together (default kDefaultRunOpMaxBytes).
int64_t max_bytes_from_js(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return kDefaultRunOpMaxBytes;
  double d = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= 0 && d <= double(kMaxBytes)) || d != std::floor(d)) {
    throw Error(ErrorCode::E_ARG, "maxMemoryBytes must be an integer in [0, " + std::to_string(kMaxBytes) + "]");
  }
  return int64_t(d);
}

}  // namespace

// runOp(op: string, inputs: (Tensor|null)[], attrs?: object, isa?: string, threads?: number, maxMemoryBytes?: number)
Napi::Value run_op(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return napi_entry(env, "runOp", [&]() -> Napi::Value {
    if (!info[0].IsString()) throw Error(ErrorCode::E_UNSUPPORTED_OP, "runOp: op must be a string");
    std::string op = info[0].As<Napi::String>().Utf8Value();
    if (!info[1].IsArray()) throw Error(ErrorCode::E_ARITY, op + ": inputs must be an array");
    Napi::Array arr = info[1].As<Napi::Array>();
    if (int64_t(arr.Length()) > kMaxOpInputs) {
      throw Error(ErrorCode::E_ARITY, op + ": " + std::to_string(arr.Length()) + " inputs, over the engine's limit of " +
                                          std::to_string(kMaxOpInputs));
    }
    HeldData held(env, HeldData::Mode::OWN);
    std::vector<Tensor> inputs;
    std::vector<bool> present;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value v = arr.Get(i);
      bool given = !(v.IsNull() || v.IsUndefined());
      inputs.push_back(given ? tensor_from_js(v, op + ": input " + std::to_string(i), held) : Tensor{});
      present.push_back(given);
    }
    Attrs attrs = attrs_from_js(info[2], op);
    Isa isa = isa_from_js(info[3]);
    int threads = threads_from_js(info[4]);
    int64_t max_bytes = max_bytes_from_js(info[5]);
    auto* worker = new RunOpWorker(env, env.GetInstanceData<Addon>(), op, std::move(inputs), std::move(present),
                                   std::move(attrs), isa, threads, max_bytes, std::move(held.references));
    Napi::Promise p = worker->promise();
    worker->Queue();
    return p;
  });
}

// selftest(isa?: string, threads?: number) -> Promise<{isa, threads, numerics, ops, total}>
Napi::Value selftest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return napi_entry(env, "selftest", [&]() -> Napi::Value {
    Isa isa = isa_from_js(info[0]);
    int threads = threads_from_js(info[1]);
    auto* worker = new SelftestWorker(env, env.GetInstanceData<Addon>(), isa, threads);
    Napi::Promise p = worker->promise();
    worker->Queue();
    return p;
  });
}

}  // namespace aivm::napi
