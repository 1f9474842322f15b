// createProgram(spec) -> NativeProgram { arenaBytes, outputBytes, run(inputs, opts), runSync(inputs, opts) }.
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

// One run's arguments, parsed on the main thread, and what it produced.
struct RunJob {
  std::shared_ptr<const Program> program;
  std::vector<Tensor> inputs;
  Isa isa = Isa::SCALAR;
  int threads = 1;
  bool trace = false;
  bool hash = false;  // also hash inputs and outputs (saves two calls back into native)
  std::vector<Tensor> outputs;
  std::vector<Hash32> node_hashes;
  Hash32 input_hash{}, output_hash{};
  std::string code, message;

  // No N-API here: runs on a libuv thread (run) or the calling thread (runSync).
  void execute(Engine& engine) {
    capture_error("program", code, message, [&] {
      std::vector<const Tensor*> ptrs;
      for (const Tensor& t : inputs) ptrs.push_back(&t);
      outputs = program->run(engine, ptrs, isa, threads, trace ? &node_hashes : nullptr);
      if (hash) {
        input_hash = hash_tensors(ptrs);
        std::vector<const Tensor*> outs;
        for (const Tensor& t : outputs) outs.push_back(&t);
        output_hash = hash_tensors(outs);
      }
    });
  }

  Napi::Object result(Napi::Env env) const {
    Napi::Object result = Napi::Object::New(env);
    Napi::Array outs = Napi::Array::New(env, outputs.size());
    for (size_t i = 0; i < outputs.size(); ++i) outs.Set(uint32_t(i), tensor_to_js(env, outputs[i]));
    result.Set("outputs", outs);
    if (trace) {
      Napi::Array hashes = Napi::Array::New(env, node_hashes.size());
      for (size_t i = 0; i < node_hashes.size(); ++i) hashes.Set(uint32_t(i), hex(node_hashes[i]));
      result.Set("nodeHashes", hashes);
    }
    if (hash) {
      result.Set("inputHash", hex(input_hash));
      result.Set("outputHash", hex(output_hash));
    }
    return result;
  }
};

class ProgramRunWorker : public Napi::AsyncWorker {
 public:
  ProgramRunWorker(Napi::Env env, Addon* addon, RunJob job)
      : Napi::AsyncWorker(env, "aivm.program.run"),
        deferred_(Napi::Promise::Deferred::New(env)),
        addon_(addon),
        job_(std::move(job)) {}

  Napi::Promise promise() { return deferred_.Promise(); }
  // A reference to each input's typed array (not just the array holding the tensors,
  // which the caller could empty while the run is pending) and to the program object,
  // which keeps the constants' buffers alive.
  void keep_alive(std::vector<Napi::ObjectReference> input_data, const Napi::Object& program) {
    keep_inputs_ = std::move(input_data);
    keep_program_ = Napi::Persistent(program);
  }

  void Execute() override { job_.execute(addon_->engine); }

  void OnOK() override {
    Napi::Env env = Env();
    keep_inputs_.clear();
    keep_program_.Reset();
    if (!job_.code.empty()) {
      deferred_.Reject(make_error(env, job_.code, job_.message).Value());
      return;
    }
    deferred_.Resolve(job_.result(env));
  }

 private:
  Napi::Promise::Deferred deferred_;
  Addon* addon_;
  RunJob job_;
  std::vector<Napi::ObjectReference> keep_inputs_;
  Napi::ObjectReference keep_program_;
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

  // run(inputs: Tensor[], opts?: {isa?, threads?, trace?, hash?}) -> Promise<{outputs, nodeHashes?, inputHash?, outputHash?}>
  Napi::Value run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      RunJob job = parse_run(info, "program.run");
      std::vector<Napi::ObjectReference> input_data = hold_input_data(info[0].As<Napi::Array>(), job);
      auto* worker = new ProgramRunWorker(env, env.GetInstanceData<Addon>(), std::move(job));
      worker->keep_alive(std::move(input_data), Value());
      Napi::Promise p = worker->promise();
      worker->Queue();
      return p;
    } catch (const Error& e) {
      throw make_error(env, error_code_name(e.code()), e.what());
    }
  }

  // runSync: the same run on the calling thread, which it blocks. For worker
  // threads (which have nothing else to do) and tiny programs, it saves the hop
  // to a libuv thread and back, which costs more than a small program's compute.
  Napi::Value run_sync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      RunJob job = parse_run(info, "program.runSync");
      job.execute(env.GetInstanceData<Addon>()->engine);
      if (!job.code.empty()) throw make_error(env, job.code, job.message);
      return job.result(env);
    } catch (const Error& e) {
      throw make_error(env, error_code_name(e.code()), e.what());
    }
  }

 private:
  // References to the typed arrays the parsed inputs point into. Each is read again
  // and must still be the array whose memory was parsed (a getter could hand out
  // another one): otherwise the run is refused rather than reading unowned memory.
  static std::vector<Napi::ObjectReference> hold_input_data(const Napi::Array& arr, const RunJob& job) {
    std::vector<Napi::ObjectReference> refs;
    for (uint32_t i = 0; i < arr.Length() && i < job.inputs.size(); ++i) {
      Napi::Value v = arr.Get(i);
      Napi::Value data = v.IsObject() ? v.As<Napi::Object>().Get("data") : v;
      bool same = data.IsTypedArray();
      if (same) {
        // napi_get_typedarray_info also works over a SharedArrayBuffer (ArrayBuffer().Data() does not).
        void* base = nullptr;
        napi_status st = napi_get_typedarray_info(data.Env(), data, nullptr, nullptr, &base, nullptr, nullptr);
        same = st == napi_ok && (job.inputs[i].numel() == 0 || base == job.inputs[i].data);
      }
      if (!same) throw Error(ErrorCode::E_ARG, "program.run: input " + std::to_string(i) + " changed while it was read");
      refs.push_back(Napi::Persistent(data.As<Napi::Object>()));
    }
    return refs;
  }

  RunJob parse_run(const Napi::CallbackInfo& info, const std::string& where) {
    Napi::Env env = info.Env();
    if (!info[0].IsArray()) throw Error(ErrorCode::E_ARG, where + ": inputs must be an array of tensors");
    Napi::Array arr = info[0].As<Napi::Array>();
    RunJob job;
    job.program = program_;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      job.inputs.push_back(tensor_from_js(arr.Get(i), where + ": input " + std::to_string(i)));
    }
    Napi::Value opts = info[1];
    bool has_opts = !(opts.IsUndefined() || opts.IsNull());
    if (has_opts && (!opts.IsObject() || opts.IsArray())) {
      throw Error(ErrorCode::E_ARG, where + ": opts must be an object {isa?, threads?, trace?, hash?}");
    }
    Napi::Object o = has_opts ? opts.As<Napi::Object>() : Napi::Object::New(env);
    job.isa = isa_from_js(o.Get("isa"));
    job.threads = threads_from_js(o.Get("threads"));
    for (const char* flag : {"trace", "hash"}) {
      Napi::Value v = o.Get(flag);
      if (!(v.IsUndefined() || v.IsBoolean())) throw Error(ErrorCode::E_ARG, where + ": opts." + flag + " must be a boolean");
      bool on = v.IsBoolean() && v.As<Napi::Boolean>().Value();
      (std::string(flag) == "trace" ? job.trace : job.hash) = on;
    }
    return job;
  }

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
                                   ProgramWrap::InstanceMethod<&ProgramWrap::run>("run"),
                                   ProgramWrap::InstanceMethod<&ProgramWrap::run_sync>("runSync")});
}

// createProgram(spec: ProgramSpec) -> NativeProgram (synchronous)
Napi::Value create_program(const Napi::CallbackInfo& info) {
  return info.Env().GetInstanceData<Addon>()->program_class.New({info[0]});
}

}  // namespace aivm::napi
