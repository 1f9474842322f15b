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
// With data_optional, a tensor without data comes back with data == nullptr.
// Typed arrays over a SharedArrayBuffer are accepted (and borrowed) too.
Tensor tensor_from_js(const Napi::Value& value, const std::string& what, bool data_optional = false);
// The dtype and shape of a {dtype, shape} object (data, if any, is ignored).
TensorSpec spec_from_js(const Napi::Value& value, const std::string& what);
// The memory of a typed array that must hold numel elements of dtype.
void* typed_array_data(const Napi::Value& value, DType dtype, int64_t numel, const Shape& shape,
                       const std::string& what);
Napi::Object tensor_to_js(Napi::Env env, const Tensor& tensor);
Attrs attrs_from_js(const Napi::Value& value, const std::string& op);

}  // namespace aivm::napi
