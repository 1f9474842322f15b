// Conversions between JS values and engine types. JS tensors are
// { dtype: 'float32'|'int32'|'int64'|'bool', shape: number[], data: TypedArray }.
//
// Who owns input bytes (HeldData): native code must never read memory JS freed.
// A plain ArrayBuffer can be detached (transferred to another thread, or by
// structuredClone) or shrunk (resizable) by JS at any time, which frees or
// unmaps its memory; a SharedArrayBuffer cannot be detached and only grows.
//  - Synchronous calls (Mode::VERIFY) borrow every buffer and, once all
//    arguments are parsed, verify() checks that no getter run while parsing
//    detached or shrank one parsed earlier. No JS runs after that.
//  - Asynchronous calls (Mode::OWN) copy plain ArrayBuffer data into native
//    memory on the main thread and hold a reference to each shared one, so the
//    libuv thread reads only memory the job owns or keeps alive.
// Outputs are handed to JS without a copy, as external ArrayBuffers that own
// the engine's allocation (no second buffer, and no V8 allocation that could
// fail fatally for a large output).
#pragma once
#include <napi.h>

#include <functional>
#include <string>
#include <vector>

#include "aivm/attrs.h"
#include "aivm/tensor.h"

namespace aivm::napi {

class HeldData {
 public:
  enum class Mode { VERIFY, OWN };
  HeldData(Napi::Env env, Mode mode) : env_(env), mode_(mode) {}

  // The bytes of typed array `value` (checked: numel elements of dtype) for native
  // use: borrowed (VERIFY, or OWN over a SharedArrayBuffer) or an owned copy (OWN
  // over an ArrayBuffer), whose owner goes into *storage.
  void* take(const Napi::Value& value, DType dtype, int64_t numel, const Shape& shape, const std::string& what,
             std::shared_ptr<void>* storage);
  // VERIFY mode: throws E_ARG when a borrowed buffer was detached or shrunk since take().
  void verify() const;
  // OWN mode: the references that keep shared buffers alive (move them into the job).
  std::vector<Napi::ObjectReference> references;

 private:
  struct Borrowed {
    napi_value buffer;  // the ArrayBuffer (valid for this call's handle scope)
    const void* data;
    size_t end;    // byte offset + length inside the buffer
    size_t bytes;  // length
    std::string what;
  };
  napi_env env_;
  Mode mode_;
  std::vector<Borrowed> borrowed_;
};

// Throws aivm::Error (E_DTYPE / E_SHAPE / E_ATTR) naming `what` on bad input.
// With data_optional, a tensor without data comes back with data == nullptr.
Tensor tensor_from_js(const Napi::Value& value, const std::string& what, HeldData& held, bool data_optional = false);
// The dtype and shape of a {dtype, shape} object (data, if any, is ignored).
TensorSpec spec_from_js(const Napi::Value& value, const std::string& what);
// Hands the tensor's bytes to JS (no copy when the engine owns them).
Napi::Object tensor_to_js(Napi::Env env, const Tensor& tensor);
Attrs attrs_from_js(const Napi::Value& value, const std::string& op);

// A tensor's {dtype, shape} as a JS object (what inferOp and ProgramBuilder.addNode return).
Napi::Object spec_to_js(Napi::Env env, const TensorSpec& spec);
// A node's name or op: a string of at most kMaxAttrStringBytes (E_TOO_LARGE), checked before it is copied.
std::string short_string_from_js(const Napi::Value& v, const std::string& what);

// A program's value id: an integer in [0, 2^31), or -1 where allow_omitted (null
// and undefined count as -1 there too). Throws E_ARG "<what()> must be a value id";
// what() is called only on failure.
int id_from_js(const Napi::Value& v, const std::function<std::string()>& what, bool allow_omitted);
std::vector<int> ids_from_js(const Napi::Array& arr, const std::string& what, bool allow_omitted);

}  // namespace aivm::napi
