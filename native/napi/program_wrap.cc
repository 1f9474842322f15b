// createProgram(spec) -> NativeProgram { arenaBytes, outputBytes, run(inputs, opts), runSync(inputs, opts) }.
// The spec is parsed and the Program built synchronously on the calling thread;
// run() is the runOp baton: convert and check on the main thread, execute on a
// libuv thread with no N-API calls, settle the promise back on the main thread.
// Constants over a SharedArrayBuffer are borrowed in place (so workers share one
// copy of the weights): the wrapper holds a reference to each for the Program's
// life, and every run holds the wrapper. Constants over a plain ArrayBuffer,
// which JS could detach, are copied (tensor_convert.h, HeldData).
#include <cmath>
#include <memory>

#include "engine/program.h"
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

// One run's arguments, parsed on the main thread, and what it produced.
struct RunJob {
  std::shared_ptr<const Program> program;
  std::vector<Tensor> inputs;
  Isa isa = Isa::SCALAR;
  int threads = 1;
  bool trace = false;
  bool hash = false;  // also hash inputs and outputs (saves two calls back into native)
  bool profile = false;  // also time each node (gas calibration, profiling)
  RunControl control;  // opts.cancel (a flag in a SharedArrayBuffer) and opts.timeoutMs
  std::vector<Tensor> outputs;
  std::vector<Hash32> node_hashes;
  std::vector<int64_t> node_nanos;
  Hash32 input_hash{}, output_hash{};
  std::string code, message;

  // No N-API here: runs on a libuv thread (run) or the calling thread (runSync).
  void execute(Engine& engine) {
    capture_error("program", code, message, [&] {
      std::vector<const Tensor*> ptrs;
      for (const Tensor& t : inputs) ptrs.push_back(&t);
      outputs = program->run(engine, ptrs, isa, threads, trace ? &node_hashes : nullptr,
                             control.active() ? &control : nullptr, profile ? &node_nanos : nullptr);
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
    if (profile) {
      Napi::Float64Array nanos = Napi::Float64Array::New(env, node_nanos.size());
      for (size_t i = 0; i < node_nanos.size(); ++i) nanos[i] = double(node_nanos[i]);
      result.Set("nodeNanos", nanos);
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
  ProgramRunWorker(Napi::Env env, Addon* addon, RunJob job, std::vector<Napi::ObjectReference> shared,
                   const Napi::Object& program)
      : Napi::AsyncWorker(env, "aivm.program.run"),
        deferred_(Napi::Promise::Deferred::New(env)),
        addon_(addon),
        job_(std::move(job)),
        shared_(std::move(shared)),
        program_(Napi::Persistent(program)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override { job_.execute(addon_->engine); }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    shared_.clear();
    program_.Reset();
    Napi::Value result;
    if (job_.code.empty()) capture_error("program.run", job_.code, job_.message, [&] { result = job_.result(env); });
    if (!job_.code.empty()) {
      deferred_.Reject(make_error(env, job_.code, job_.message).Value());
      return;
    }
    deferred_.Resolve(result);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Addon* addon_;
  RunJob job_;
  // Inputs (and the cancel flag) over SharedArrayBuffers, read in place; the
  // program object, which keeps the constants' buffers alive.
  std::vector<Napi::ObjectReference> shared_;
  Napi::ObjectReference program_;
};

class ProgramWrap : public Napi::ObjectWrap<ProgramWrap> {
 public:
  // new NativeProgram(spec), from createProgram; or, from ProgramBuilder.build
  // (wrap_program below), the Program it hands over in the addon's pending_program.
  explicit ProgramWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProgramWrap>(info) {
    napi_entry(info.Env(), "createProgram", [&] {
      Addon* addon = info.Env().GetInstanceData<Addon>();
      if (BuiltProgram* built = addon->pending_program) {
        addon->pending_program = nullptr;
        program_ = std::move(built->program);
        keep_alive_ = Napi::Persistent(built->keep_alive);
      } else {
        program_ = std::make_shared<const Program>(parse(info[0]));
      }
      // The arena the program may keep between runs is memory V8 cannot see; told
      // of it, the garbage collector frees unreachable programs in time.
      external_bytes_ = program_->arena_bytes() <= ArenaCache::kBudgetBytes ? program_->arena_bytes() : 0;
      Napi::MemoryManagement::AdjustExternalMemory(info.Env(), external_bytes_);
      return 0;
    });
  }
  ~ProgramWrap() override {
    if (external_bytes_) Napi::MemoryManagement::AdjustExternalMemory(Env(), -external_bytes_);
  }

  Napi::Value arena_bytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(program_->arena_bytes()));
  }
  Napi::Value output_bytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(program_->output_bytes()));
  }

  // run(inputs: Tensor[], opts?: {isa?, threads?, trace?, hash?, profile?, cancel?, timeoutMs?})
  //   -> Promise<{outputs, nodeHashes?, nodeNanos?, inputHash?, outputHash?}>
  Napi::Value run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return napi_entry(env, "program.run", [&]() -> Napi::Value {
      HeldData held(env, HeldData::Mode::OWN);
      RunJob job = parse_run(info, "program.run", held);
      auto* worker = new ProgramRunWorker(env, env.GetInstanceData<Addon>(), std::move(job), std::move(held.references),
                                          Value());
      Napi::Promise p = worker->promise();
      worker->Queue();
      return p;
    });
  }

  // runSync: the same run on the calling thread, which it blocks. For worker
  // threads (which have nothing else to do) and tiny programs, it saves the hop
  // to a libuv thread and back, which costs more than a small program's compute.
  Napi::Value run_sync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return napi_entry(env, "program.runSync", [&]() -> Napi::Value {
      HeldData held(env, HeldData::Mode::VERIFY);
      RunJob job = parse_run(info, "program.runSync", held);
      held.verify();  // no JS runs from here to the end of the run
      job.execute(env.GetInstanceData<Addon>()->engine);
      if (!job.code.empty()) throw make_error(env, job.code, job.message);
      return job.result(env);
    });
  }

 private:
  RunJob parse_run(const Napi::CallbackInfo& info, const std::string& where, HeldData& held) {
    Napi::Env env = info.Env();
    if (!info[0].IsArray()) throw Error(ErrorCode::E_ARG, where + ": inputs must be an array of tensors");
    Napi::Array arr = info[0].As<Napi::Array>();
    if (int64_t(arr.Length()) > kMaxProgramValues) throw Error(ErrorCode::E_ARITY, where + ": too many inputs");
    RunJob job;
    job.program = program_;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      job.inputs.push_back(tensor_from_js(arr.Get(i), where + ": input " + std::to_string(i), held));
    }
    Napi::Value opts = info[1];
    bool has_opts = !(opts.IsUndefined() || opts.IsNull());
    if (has_opts && (!opts.IsObject() || opts.IsArray())) {
      throw Error(ErrorCode::E_ARG, where + ": opts must be an object {isa?, threads?, trace?, hash?, profile?, cancel?, timeoutMs?}");
    }
    Napi::Object o = has_opts ? opts.As<Napi::Object>() : Napi::Object::New(env);
    job.isa = isa_from_js(o.Get("isa"));
    job.threads = threads_from_js(o.Get("threads"));
    for (auto [flag, field] : {std::pair{"trace", &job.trace}, {"hash", &job.hash}, {"profile", &job.profile}}) {
      Napi::Value v = o.Get(flag);
      if (!(v.IsUndefined() || v.IsBoolean())) throw Error(ErrorCode::E_ARG, where + ": opts." + flag + " must be a boolean");
      *field = v.IsBoolean() && v.As<Napi::Boolean>().Value();
    }
    Napi::Value cancel = o.Get("cancel");
    if (!cancel.IsUndefined()) job.control.set_flag(cancel_flag_from_js(cancel, where, held));
    Napi::Value timeout = o.Get("timeoutMs");
    if (!timeout.IsUndefined()) {
      double ms = timeout.IsNumber() ? timeout.As<Napi::Number>().DoubleValue() : NAN;
      if (!(ms >= 0 && std::isfinite(ms))) throw Error(ErrorCode::E_ARG, where + ": opts.timeoutMs must be a finite number >= 0");
      job.control.set_timeout_ms(ms);
    }
    return job;
  }

  // The cancel flag: word 0 of an Int32Array over a SharedArrayBuffer (another
  // thread writes it while the run reads it; a plain ArrayBuffer could be
  // detached under the run). Referenced by `held` for an async run.
  static const int32_t* cancel_flag_from_js(const Napi::Value& v, const std::string& where, HeldData& held) {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    napi_value buffer = nullptr;
    bool is_typed = v.IsTypedArray() &&
                    napi_get_typedarray_info(v.Env(), v, &type, &length, &data, &buffer, nullptr) == napi_ok;
    bool plain = true;
    if (is_typed) napi_is_arraybuffer(v.Env(), buffer, &plain);
    if (!is_typed || type != napi_int32_array || length < 1 || plain) {
      throw Error(ErrorCode::E_ARG, where + ": opts.cancel must be an Int32Array over a SharedArrayBuffer");
    }
    std::shared_ptr<void> unused;
    held.take(v, DType::I32, int64_t(length), {int64_t(length)}, where + ": opts.cancel", &unused);
    return static_cast<const int32_t*>(data);
  }

  // Every count is checked against aivm/limits.h before the loop it bounds, so a
  // huge spec is refused before it is copied (Program checks the parsed spec again).
  ProgramSpec parse(const Napi::Value& value) {
    if (!value.IsObject() || value.IsArray()) bad_arg("spec", "must be an object");
    Napi::Object obj = value.As<Napi::Object>();
    ProgramSpec spec;
    Napi::Array values = array_at(obj, "values", "spec.");
    Napi::Array nodes = array_at(obj, "nodes", "spec.");
    over_limit("values", values.Length(), kMaxProgramValues);
    over_limit("nodes", nodes.Length(), kMaxProgramNodes);
    for (uint32_t i = 0; i < values.Length(); ++i) {
      spec.values.push_back(spec_from_js(values.Get(i), "createProgram: values[" + std::to_string(i) + "]"));
    }
    Napi::Array constants = array_at(obj, "constants", "spec.");
    over_limit("constants", constants.Length(), kMaxProgramValues);
    HeldData held(Env(), HeldData::Mode::OWN);
    for (uint32_t i = 0; i < constants.Length(); ++i) {
      std::string what = "constants[" + std::to_string(i) + "]";
      Napi::Value c = constants.Get(i);
      if (!c.IsObject()) bad_arg(what, "must be an object {value, data}");
      Napi::Object co = c.As<Napi::Object>();
      int id = id_from_js(co.Get("value"), [&] { return "createProgram: " + what + ".value"; }, false);
      if (size_t(id) >= spec.values.size()) {
        bad_arg(what + ".value", "= " + std::to_string(id) + " is not a value id (there are " +
                                     std::to_string(spec.values.size()) + " values)");
      }
      const TensorSpec& s = spec.values[size_t(id)];
      Tensor t;
      t.dtype = s.dtype;
      t.shape = s.shape;
      t.data = held.take(co.Get("data"), s.dtype, checked_numel(s.shape, "createProgram", what), s.shape,
                         "createProgram: " + what + ".data", &t.storage);
      spec.constants.emplace_back(id, std::move(t));
    }
    constants_ = std::move(held.references);
    Napi::Array inputs = array_at(obj, "inputs", "spec."), outputs = array_at(obj, "outputs", "spec.");
    over_limit("inputs", inputs.Length(), kMaxProgramValues);
    over_limit("outputs", outputs.Length(), kMaxProgramValues);
    spec.inputs = ids_from_js(inputs, "createProgram: spec.inputs", false);
    spec.outputs = ids_from_js(outputs, "createProgram: spec.outputs", false);
    int64_t attr_bytes = 0;
    for (uint32_t i = 0; i < nodes.Length(); ++i) {
      std::string what = "nodes[" + std::to_string(i) + "]";
      Napi::Value nv = nodes.Get(i);
      if (!nv.IsObject()) bad_arg(what, "must be an object {name, op, inputs, outputs, attrs?}");
      Napi::Object no = nv.As<Napi::Object>();
      ProgramNode node;
      Napi::Value name = no.Get("name");
      if (!(name.IsString() || name.IsUndefined())) bad_arg(what + ".name", "must be a string");
      if (name.IsString()) node.name = short_string_from_js(name, "createProgram: " + what + ".name");
      Napi::Value op = no.Get("op");
      node.op = short_string_from_js(op, "createProgram: " + what + ".op");
      Napi::Array node_inputs = array_at(no, "inputs", what + "."), node_outputs = array_at(no, "outputs", what + ".");
      over_limit(what + " inputs", node_inputs.Length(), kMaxOpInputs);
      over_limit(what + " outputs", node_outputs.Length(), kMaxOpOutputs);
      node.inputs = ids_from_js(node_inputs, "createProgram: " + what + ".inputs", true);
      node.outputs = ids_from_js(node_outputs, "createProgram: " + what + ".outputs", true);
      node.attrs = attrs_from_js(no.Get("attrs"), "createProgram: " + what + " (" + node.op + ")");
      attr_bytes += attrs_bytes(node.attrs);
      over_limit("bytes of attributes", attr_bytes, kMaxProgramAttrBytes);
      spec.nodes.push_back(std::move(node));
    }
    return spec;
  }

  static void over_limit(const std::string& what, int64_t n, int64_t limit) {
    if (n > limit) {
      throw Error(ErrorCode::E_TOO_LARGE, "createProgram: " + std::to_string(n) + " " + what +
                                              ", over the engine's limit of " + std::to_string(limit));
    }
  }

  std::shared_ptr<const Program> program_;
  int64_t external_bytes_ = 0;  // reported to V8 (AdjustExternalMemory)
  // The constants over SharedArrayBuffers that program_ borrows (the others are copies it owns).
  std::vector<Napi::ObjectReference> constants_;
  // A program from a builder: the builder object, which holds those references for it.
  Napi::ObjectReference keep_alive_;
};

}  // namespace

Napi::Function define_program_class(Napi::Env env) {
  return ProgramWrap::DefineClass(env, "NativeProgram",
                                  {ProgramWrap::InstanceAccessor<&ProgramWrap::arena_bytes>("arenaBytes"),
                                   ProgramWrap::InstanceAccessor<&ProgramWrap::output_bytes>("outputBytes"),
                                   ProgramWrap::InstanceMethod<&ProgramWrap::run>("run"),
                                   ProgramWrap::InstanceMethod<&ProgramWrap::run_sync>("runSync")});
}

Napi::Value wrap_program(Napi::Env env, std::shared_ptr<const Program> program, Napi::Object keep_alive) {
  Addon* addon = env.GetInstanceData<Addon>();
  BuiltProgram built{std::move(program), keep_alive};
  addon->pending_program = &built;
  struct Clear {  // however New ends, nothing points at `built` afterwards
    Addon* addon;
    ~Clear() { addon->pending_program = nullptr; }
  } clear{addon};
  return addon->program_class.New({});
}

// createProgram(spec: ProgramSpec) -> NativeProgram (synchronous)
Napi::Value create_program(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return napi_entry(env, "createProgram", [&]() -> Napi::Value {
    return env.GetInstanceData<Addon>()->program_class.New({info[0]});
  });
}

}  // namespace aivm::napi
