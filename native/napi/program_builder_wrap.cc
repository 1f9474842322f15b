// createProgramBuilder() -> NativeProgramBuilder: what lowering (lib/ir/lower.ts)
// builds a Program with. Each node is inferred once, when it is added; its
// output specs come back to JS (to fold shape arithmetic and price the node)
// and its parsed parameters stay here, so build() only plans.
//   addInput({dtype, shape}) -> id
//   addConstant(tensor) -> id
//   addNode(name, op, inputs: (id | -1 | null)[], attrs?) -> {id, dtype, shape}[]  (every output of the op)
//   build(outputs: id[]) -> NativeProgram  (may be called again, for other outputs)
// Constants are held as createProgram holds them (tensor_convert.h, HeldData
// OWN): a SharedArrayBuffer is borrowed and referenced, a plain ArrayBuffer is
// copied. Every program built keeps the builder, and so those references, alive.
#include "engine/program.h"
#include "napi/addon.h"
#include "napi/errors.h"
#include "napi/tensor_convert.h"

namespace aivm::napi {

namespace {

class ProgramBuilderWrap : public Napi::ObjectWrap<ProgramBuilderWrap> {
 public:
  explicit ProgramBuilderWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProgramBuilderWrap>(info) {}

  Napi::Value add_input(const Napi::CallbackInfo& info) {
    return napi_entry(info.Env(), "ProgramBuilder.addInput", [&]() -> Napi::Value {
      TensorSpec spec = spec_from_js(info[0], "ProgramBuilder.addInput: input");
      return Napi::Number::New(info.Env(), builder_.add_input(spec));
    });
  }

  Napi::Value add_constant(const Napi::CallbackInfo& info) {
    return napi_entry(info.Env(), "ProgramBuilder.addConstant", [&]() -> Napi::Value {
      HeldData held(info.Env(), HeldData::Mode::OWN);
      Tensor t = tensor_from_js(info[0], "ProgramBuilder.addConstant: constant", held);
      int id = builder_.add_constant(t);
      for (auto& ref : held.references) constants_.push_back(std::move(ref));
      return Napi::Number::New(info.Env(), id);
    });
  }

  Napi::Value add_node(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return napi_entry(env, "ProgramBuilder.addNode", [&]() -> Napi::Value {
      const std::string where = "ProgramBuilder.addNode: ";
      std::string name = short_string_from_js(info[0], where + "name"), op = short_string_from_js(info[1], where + "op");
      if (!info[2].IsArray()) throw Error(ErrorCode::E_ARG, where + "inputs must be an array of value ids");
      Napi::Array arr = info[2].As<Napi::Array>();
      if (int64_t(arr.Length()) > kMaxOpInputs) {
        throw Error(ErrorCode::E_ARITY, where + std::to_string(arr.Length()) + " inputs, over the engine's limit of " +
                                            std::to_string(kMaxOpInputs));
      }
      std::vector<int> inputs = ids_from_js(arr, where + "inputs", true);
      Attrs attrs = attrs_from_js(info[3], op);
      std::vector<int> outputs = builder_.add_node(std::move(name), op, std::move(attrs), std::move(inputs));
      Napi::Array out = Napi::Array::New(env, outputs.size());
      for (size_t i = 0; i < outputs.size(); ++i) {
        Napi::Object o = spec_to_js(env, builder_.spec(outputs[i]));
        o.Set("id", Napi::Number::New(env, outputs[i]));
        out.Set(uint32_t(i), o);
      }
      return out;
    });
  }

  Napi::Value build(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return napi_entry(env, "ProgramBuilder.build", [&]() -> Napi::Value {
      if (!info[0].IsArray()) throw Error(ErrorCode::E_ARG, "ProgramBuilder.build: outputs must be an array of value ids");
      Napi::Array arr = info[0].As<Napi::Array>();
      if (int64_t(arr.Length()) > kMaxProgramValues) {
        throw Error(ErrorCode::E_TOO_LARGE, "ProgramBuilder.build: " + std::to_string(arr.Length()) +
                                                " outputs, over the engine's limit of " + std::to_string(kMaxProgramValues));
      }
      std::vector<int> outputs = ids_from_js(arr, "ProgramBuilder.build: outputs", false);
      auto program = std::make_shared<const Program>(builder_.build(outputs));
      return wrap_program(env, std::move(program), Value());
    });
  }

 private:
  ProgramBuilder builder_;
  // The constants over SharedArrayBuffers that builder_ borrows (the others are copies it owns).
  std::vector<Napi::ObjectReference> constants_;
};

}  // namespace

Napi::Function define_program_builder_class(Napi::Env env) {
  return ProgramBuilderWrap::DefineClass(env, "NativeProgramBuilder",
                                         {ProgramBuilderWrap::InstanceMethod<&ProgramBuilderWrap::add_input>("addInput"),
                                          ProgramBuilderWrap::InstanceMethod<&ProgramBuilderWrap::add_constant>("addConstant"),
                                          ProgramBuilderWrap::InstanceMethod<&ProgramBuilderWrap::add_node>("addNode"),
                                          ProgramBuilderWrap::InstanceMethod<&ProgramBuilderWrap::build>("build")});
}

// createProgramBuilder() -> NativeProgramBuilder
Napi::Value create_program_builder(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return napi_entry(env, "createProgramBuilder", [&]() -> Napi::Value {
    return env.GetInstanceData<Addon>()->program_builder_class.New({});
  });
}

}  // namespace aivm::napi
