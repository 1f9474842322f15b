// inferOp: an op's shape inference alone, synchronously (lowering uses it for
// the ops on constants it may fold; the nodes it keeps are inferred by a
// ProgramBuilder as they are added). Only the inputs whose data the op
// reads to infer (engineInfo().dataInputs) are given data; the others are
// passed shape-only, even when the caller supplied data, so every op is
// exercised exactly as a Program infers it.
#include <algorithm>

#include "napi/addon.h"
#include "napi/errors.h"
#include "napi/tensor_convert.h"

namespace aivm::napi {

// inferOp(op: string, inputs: ({dtype, shape, data?} | null)[], attrs?: object) -> {dtype, shape}[]
Napi::Value infer_op(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return napi_entry(env, "inferOp", [&]() -> Napi::Value {
    if (!info[0].IsString()) throw Error(ErrorCode::E_ARG, "inferOp: op must be a string");
    std::string op = info[0].As<Napi::String>().Utf8Value();
    if (!info[1].IsArray()) throw Error(ErrorCode::E_ARG, op + ": inputs must be an array");
    auto all = op_data_inputs();
    auto it = all.find(op);
    std::vector<int> data_inputs = it == all.end() ? std::vector<int>{} : it->second;
    Napi::Array arr = info[1].As<Napi::Array>();
    if (int64_t(arr.Length()) > kMaxOpInputs) {
      throw Error(ErrorCode::E_ARITY, op + ": " + std::to_string(arr.Length()) + " inputs, over the engine's limit of " +
                                          std::to_string(kMaxOpInputs));
    }
    HeldData held(env, HeldData::Mode::VERIFY);
    std::vector<Tensor> inputs(arr.Length());
    std::vector<const Tensor*> ptrs(arr.Length(), nullptr);
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value v = arr.Get(i);
      if (v.IsNull() || v.IsUndefined()) continue;
      std::string what = op + ": input " + std::to_string(i);
      bool wants_data = std::find(data_inputs.begin(), data_inputs.end(), int(i)) != data_inputs.end();
      if (wants_data) {
        inputs[i] = tensor_from_js(v, what, held, true);
      } else {
        TensorSpec s = spec_from_js(v, what);
        inputs[i].dtype = s.dtype;
        inputs[i].shape = s.shape;
      }
      ptrs[i] = &inputs[i];
    }
    Attrs attrs = attrs_from_js(info[2], op);
    held.verify();
    std::vector<TensorSpec> specs = aivm::infer_op(op, ptrs, attrs);
    Napi::Array out = Napi::Array::New(env, specs.size());
    for (size_t i = 0; i < specs.size(); ++i) out.Set(uint32_t(i), spec_to_js(env, specs[i]));
    return out;
  });
}

}  // namespace aivm::napi
