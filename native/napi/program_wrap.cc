// createProgram(spec) -> NativeProgram { arenaBytes, outputBytes, run(inputs, opts) }.
// The spec is parsed and the Program built synchronously on the calling thread;
// run() is the runOp baton: convert and check on the main thread, execute on a
// libuv thread with no N-API calls, settle the promise back on the main thread.
// Constants are borrowed in place (SharedArrayBuffer-backed arrays included, so
// workers can share one copy of the weights): the wrapper holds a reference to
// each typed array for the Program's life, and every run holds the wrapper.
#include <cmath>
#include <memory>

#include "core/program.h"
#include "napi/addon.h"
#include "napi/errors.h"
#include "napi/tensor_convert.h"

namespace aivm::napi {

namespace {

[[noreturn]] void bad_arg(const std::string& what, const std::string& detail) {
  throw Error(ErrorCode::E_ARG, "createProgram: " + what + " " + detail);
}

Napi::Array array_at(const Napi::Object& obj, const char* key, const std::string& what) {
  Napi::Value v = obj.Get(key);
  if (!v.IsArray()) bad_arg(what + key, "must be an array");
  return v.As<Napi::Array>();
}

// A value id: an integer in [0, 2^31), or -1 where allow_omitted (null counts as -1 there too).
int id_from_js(const Napi::Value& v, const std::string& what, bool allow_omitted) {
  if (allow_omitted && (v.IsNull() || v.IsUndefined())) return -1;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= (allow_omitted ? -1 : 0) && d < 2147483648.0) || d != std::floor(d)) {
    bad_arg(what, std::string("must be a value id (an integer >= 0") + (allow_omitted ? ", or -1 when omitted)" : ")"));
  }
  return int(d);
}

std::vector<int> ids_from_js(const Napi::Array& arr, const std::string& what, bool allow_omitted) {
  std::vector<int> out;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    out.push_back(id_from_js(arr.Get(i), what + "[" + std::to_string(i) + "]", allow_omitted));
  }
  return out;
}

class ProgramRunWorker : public Napi::AsyncWorker {
 public:
  ProgramRunWorker(Napi::Env env, Addon* addon, std::shared_ptr<const Program> program, std::vector<Tensor> inputs,
                   Isa isa, int threads, bool trace)
      : Napi::AsyncWorker(env, "aivm.program.run"),
        deferred_(Napi::Promise::Deferred::New(env)),
        addon_(addon),
        program_(std::move(program)),
        inputs_(std::move(inputs)),
        isa_(isa),
        threads_(threads),
        trace_(trace) {}

  Napi::Promise promise() { return deferred_.Promise(); }
  // The inputs array keeps every input buffer alive; the program object keeps
  // the constants' buffers alive.
  void keep_alive(const Napi::Object& inputs, const Napi::Object& program) {
    keep_inputs_ = Napi::Persistent(inputs);
    keep_program_ = Napi::Persistent(program);
  }

  void Execute() override {
    try {
      std::vector<const Tensor*> ptrs;
      for (const Tensor& t : inputs_) ptrs.push_back(&t);
      outputs_ = program_->run(addon_->engine, ptrs, isa_, threads_, trace_ ? &hashes_ : nullptr);
    } catch (const Error& e) {
      code_ = error_code_name(e.code());
      message_ = e.what();
    } catch (const std::bad_alloc&) {
      code_ = "E_TOO_LARGE";
      message_ = "program: out of memory";
    } catch (const std::exception& e) {
      code_ = "E_INTERNAL";
      message_ = std::string("program: ") + e.what();
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    keep_inputs_.Reset();
    keep_program_.Reset();
    if (!code_.empty()) {
      deferred_.Reject(make_error(env, code_, message_).Value());
      return;
    }
    Napi::Object result = Napi::Object::New(env);
    Napi::Array outs = Napi::Array::New(env, outputs_.size());
    for (size_t i = 0; i < outputs_.size(); ++i) outs.Set(uint32_t(i), tensor_to_js(env, outputs_[i]));
    result.Set("outputs", outs);
    if (trace_) {
      Napi::Array hashes = Napi::Array::New(env, hashes_.size());
      for (size_t i = 0; i < hashes_.size(); ++i) hashes.Set(uint32_t(i), hex(hashes_[i]));
      result.Set("nodeHashes", hashes);
    }
    deferred_.Resolve(result);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Addon* addon_;
  std::shared_ptr<const Program> program_;
  std::vector<Tensor> inputs_;
  Isa isa_;
  int threads_;
  bool trace_;
  Napi::ObjectReference keep_inputs_, keep_program_;
  std::vector<Tensor> outputs_;
  std::vector<Hash32> hashes_;
  std::string code_, message_;
};

class ProgramWrap : public Napi::ObjectWrap<ProgramWrap> {
 public:
  explicit ProgramWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProgramWrap>(info) {
    Napi::Env env = info.Env();
    try {
      program_ = std::make_shared<const Program>(parse(info[0]));
    } catch (const Error& e) {
      throw make_error(env, error_code_name(e.code()), e.what());
    }
  }

  Napi::Value arena_bytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(program_->arena_bytes()));
  }
  Napi::Value output_bytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(program_->output_bytes()));
  }

  // run(inputs: Tensor[], opts?: {isa?, threads?, trace?}) -> Promise<{outputs, nodeHashes?}>
  Napi::Value run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      if (!info[0].IsArray()) throw Error(ErrorCode::E_ARG, "program.run: inputs must be an array of tensors");
      Napi::Array arr = info[0].As<Napi::Array>();
      std::vector<Tensor> inputs;
      for (uint32_t i = 0; i < arr.Length(); ++i) {
        inputs.push_back(tensor_from_js(arr.Get(i), "program.run: input " + std::to_string(i)));
      }
      Napi::Value opts = info[1];
      bool has_opts = !(opts.IsUndefined() || opts.IsNull());
      if (has_opts && (!opts.IsObject() || opts.IsArray())) {
        throw Error(ErrorCode::E_ARG, "program.run: opts must be an object {isa?, threads?, trace?}");
      }
      Napi::Object o = has_opts ? opts.As<Napi::Object>() : Napi::Object::New(env);
      Isa isa = isa_from_js(o.Get("isa"));
      int threads = threads_from_js(o.Get("threads"));
      Napi::Value trace_v = o.Get("trace");
      if (!(trace_v.IsUndefined() || trace_v.IsBoolean())) {
        throw Error(ErrorCode::E_ARG, "program.run: opts.trace must be a boolean");
      }
      bool trace = trace_v.IsBoolean() && trace_v.As<Napi::Boolean>().Value();
      auto* worker = new ProgramRunWorker(env, env.GetInstanceData<Addon>(), program_, std::move(inputs), isa, threads,
                                          trace);
      worker->keep_alive(arr, Value());
      Napi::Promise p = worker->promise();
      worker->Queue();
      return p;
    } catch (const Error& e) {
      throw make_error(env, error_code_name(e.code()), e.what());
    }
  }

 private:
  ProgramSpec parse(const Napi::Value& value) {
    if (!value.IsObject() || value.IsArray()) bad_arg("spec", "must be an object");
    Napi::Object obj = value.As<Napi::Object>();
    ProgramSpec spec;
    Napi::Array values = array_at(obj, "values", "spec.");
    for (uint32_t i = 0; i < values.Length(); ++i) {
      spec.values.push_back(spec_from_js(values.Get(i), "createProgram: values[" + std::to_string(i) + "]"));
    }
    Napi::Array constants = array_at(obj, "constants", "spec.");
    for (uint32_t i = 0; i < constants.Length(); ++i) {
      std::string what = "constants[" + std::to_string(i) + "]";
      Napi::Value c = constants.Get(i);
      if (!c.IsObject()) bad_arg(what, "must be an object {value, data}");
      Napi::Object co = c.As<Napi::Object>();
      int id = id_from_js(co.Get("value"), what + ".value", false);
      if (size_t(id) >= spec.values.size()) {
        bad_arg(what + ".value", "= " + std::to_string(id) + " is not a value id (there are " +
                                     std::to_string(spec.values.size()) + " values)");
      }
      const TensorSpec& s = spec.values[size_t(id)];
      Tensor t;
      t.dtype = s.dtype;
      t.shape = s.shape;
      Napi::Value data = co.Get("data");
      t.data = typed_array_data(data, s.dtype, checked_numel(s.shape, "createProgram", what), s.shape,
                                "createProgram: " + what + ".data");
      constants_.push_back(Napi::Persistent(data.As<Napi::Object>()));
      spec.constants.emplace_back(id, std::move(t));
    }
    spec.inputs = ids_from_js(array_at(obj, "inputs", "spec."), "spec.inputs", false);
    spec.outputs = ids_from_js(array_at(obj, "outputs", "spec."), "spec.outputs", false);
    Napi::Array nodes = array_at(obj, "nodes", "spec.");
    for (uint32_t i = 0; i < nodes.Length(); ++i) {
      std::string what = "nodes[" + std::to_string(i) + "]";
      Napi::Value nv = nodes.Get(i);
      if (!nv.IsObject()) bad_arg(what, "must be an object {name, op, inputs, outputs, attrs?}");
      Napi::Object no = nv.As<Napi::Object>();
      ProgramNode node;
      Napi::Value name = no.Get("name");
      if (!(name.IsString() || name.IsUndefined())) bad_arg(what + ".name", "must be a string");
      if (name.IsString()) node.name = name.As<Napi::String>().Utf8Value();
      Napi::Value op = no.Get("op");
      if (!op.IsString()) bad_arg(what + ".op", "must be a string");
      node.op = op.As<Napi::String>().Utf8Value();
      node.inputs = ids_from_js(array_at(no, "inputs", what + "."), what + ".inputs", true);
      node.outputs = ids_from_js(array_at(no, "outputs", what + "."), what + ".outputs", true);
      node.attrs = attrs_from_js(no.Get("attrs"), "createProgram: " + what + " (" + node.op + ")");
      spec.nodes.push_back(std::move(node));
    }
    return spec;
  }

  std::shared_ptr<const Program> program_;
  std::vector<Napi::ObjectReference> constants_;  // the typed arrays program_ borrows
};

}  // namespace

Napi::Function define_program_class(Napi::Env env) {
  return ProgramWrap::DefineClass(env, "NativeProgram",
                                  {ProgramWrap::InstanceAccessor<&ProgramWrap::arena_bytes>("arenaBytes"),
                                   ProgramWrap::InstanceAccessor<&ProgramWrap::output_bytes>("outputBytes"),
                                   ProgramWrap::InstanceMethod<&ProgramWrap::run>("run")});
}

// createProgram(spec: ProgramSpec) -> NativeProgram (synchronous)
Napi::Value create_program(const Napi::CallbackInfo& info) {
  return info.Env().GetInstanceData<Addon>()->program_class.New({info[0]});
}

}  // namespace aivm::napi
