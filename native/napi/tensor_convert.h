// Conversions between JS values and engine types. JS tensors are
// { dtype: 'float32'|'int32'|'int64'|'bool', shape: number[], data: TypedArray }.
// Inputs borrow the typed array's memory (the caller keeps a reference alive
// until the run ends); outputs are copied into fresh ArrayBuffers.
#pragma once
#include <napi.h>

#include <string>

#include "aivm/attrs.h"
#include "aivm/tensor.h"

namespace aivm::napi {

// Throws aivm::Error (E_DTYPE / E_SHAPE / E_ATTR) naming `what` on bad input.
Tensor tensor_from_js(const Napi::Value& value, const std::string& what);
Napi::Object tensor_to_js(Napi::Env env, const Tensor& tensor);
Attrs attrs_from_js(const Napi::Value& value, const std::string& op);

}  // namespace aivm::napi
