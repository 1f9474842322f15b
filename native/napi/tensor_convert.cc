#include "napi/tensor_convert.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <type_traits>

#include "aivm/error.h"

namespace aivm::napi {

namespace {

[[noreturn]] void bad(ErrorCode code, const std::string& what, const std::string& detail) {
  throw Error(code, what + ": " + detail);
}

// Every dtype's JS name, typed array and element type come from AIVM_DTYPES
// (aivm/dtype.h); float16 and bfloat16 travel as their bit patterns in a Uint16Array.
bool dtype_from_name(const std::string& name, DType* out) {
#define AIVM_DTYPE_FROM_NAME(e, tag, js, T, array) \
  if (name == js) {                               \
    *out = DType::e;                              \
    return true;                                  \
  }
  AIVM_DTYPES(AIVM_DTYPE_FROM_NAME)
#undef AIVM_DTYPE_FROM_NAME
  return false;
}

// "float32, uint8, ..., bfloat16", for messages.
std::string dtype_names() {
  std::string s;
#define AIVM_DTYPE_LIST(e, tag, js, T, array) s += std::string(s.empty() ? "" : ", ") + js;
  AIVM_DTYPES(AIVM_DTYPE_LIST)
#undef AIVM_DTYPE_LIST
  return s;
}

// The N-API typed array type whose elements are C type T.
template <class T> constexpr napi_typedarray_type typed_array_of() {
  return std::is_same<T, float>::value      ? napi_float32_array
         : std::is_same<T, double>::value   ? napi_float64_array
         : std::is_same<T, int8_t>::value   ? napi_int8_array
         : std::is_same<T, uint8_t>::value  ? napi_uint8_array
         : std::is_same<T, int16_t>::value  ? napi_int16_array
         : std::is_same<T, uint16_t>::value ? napi_uint16_array
         : std::is_same<T, int32_t>::value  ? napi_int32_array
         : std::is_same<T, uint32_t>::value ? napi_uint32_array
         : std::is_same<T, int64_t>::value  ? napi_bigint64_array
                                            : napi_biguint64_array;
}

napi_typedarray_type typed_array_for(DType t) {
  napi_typedarray_type r = napi_uint8_array;
  visit_dtype(t, [&](auto d) { r = typed_array_of<storage_t<decltype(d)::value>>(); });
  return r;
}

const char* typed_array_name(DType t) {
  switch (t) {
#define AIVM_DTYPE_ARRAY(e, tag, js, T, array) case DType::e: return array;
    AIVM_DTYPES(AIVM_DTYPE_ARRAY)
#undef AIVM_DTYPE_ARRAY
  }
  return "?";
}

}  // namespace

TensorSpec spec_from_js(const Napi::Value& value, const std::string& what) {
  if (!value.IsObject()) bad(ErrorCode::E_DTYPE, what, "expected a tensor object");
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Value dtype_v = obj.Get("dtype");
  TensorSpec spec;
  if (!dtype_v.IsString() || !dtype_from_name(dtype_v.As<Napi::String>().Utf8Value(), &spec.dtype)) {
    bad(ErrorCode::E_DTYPE, what, "dtype must be one of " + dtype_names());
  }
  Napi::Value shape_v = obj.Get("shape");
  if (!shape_v.IsArray()) bad(ErrorCode::E_SHAPE, what, "shape must be an array of integers");
  Napi::Array shape_a = shape_v.As<Napi::Array>();
  if (shape_a.Length() > uint32_t(kMaxRank)) bad(ErrorCode::E_SHAPE, what, "rank exceeds " + std::to_string(kMaxRank));
  for (uint32_t i = 0; i < shape_a.Length(); ++i) {
    Napi::Value d = shape_a.Get(i);
    double v = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : -1.0;
    if (!d.IsNumber() || !(v >= 0) || v != std::floor(v) || v > double(kMaxElements)) {
      bad(ErrorCode::E_SHAPE, what, "shape[" + std::to_string(i) + "] must be a non-negative integer");
    }
    spec.shape.push_back(int64_t(v));
  }
  checked_numel(spec.shape, what, "tensor");
  return spec;
}

namespace {

// A typed array's element type, length and memory, and whether its buffer is shared.
struct TypedArrayView {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer = nullptr;
  size_t byte_offset = 0;
  bool shared = false;
};

TypedArrayView view_of(const Napi::Value& value, DType dtype, int64_t numel, const Shape& shape,
                       const std::string& what) {
  if (!value.IsTypedArray()) bad(ErrorCode::E_DTYPE, what, std::string("data must be a ") + typed_array_name(dtype));
  // napi_get_typedarray_info, not TypedArray::ArrayBuffer().Data(): the latter
  // refuses arrays over a SharedArrayBuffer, which constants may well be.
  TypedArrayView v;
  napi_status st = napi_get_typedarray_info(value.Env(), value, &v.type, &v.length, &v.data, &v.buffer, &v.byte_offset);
  if (st != napi_ok) bad(ErrorCode::E_DTYPE, what, "data could not be read as a typed array");
  if (v.type != typed_array_for(dtype)) {
    bad(ErrorCode::E_DTYPE, what, std::string("dtype ") + dtype_name(dtype) + " needs a " + typed_array_name(dtype));
  }
  if (int64_t(v.length) != numel) {
    bad(ErrorCode::E_SHAPE, what, "shape " + shape_str(shape) + " has " + std::to_string(numel) +
                                      " elements but data has " + std::to_string(v.length));
  }
  // napi_is_arraybuffer is false for a SharedArrayBuffer (V8's IsArrayBuffer).
  bool plain = false;
  napi_is_arraybuffer(value.Env(), v.buffer, &plain);
  v.shared = !plain;
  return v;
}

// Zero-length buffers may have no backing store; point at a valid dummy.
void* non_null(void* data) {
  static const uint64_t kEmpty = 0;
  return data ? data : const_cast<uint64_t*>(&kEmpty);
}

}  // namespace

void* HeldData::take(const Napi::Value& value, DType dtype, int64_t numel, const Shape& shape, const std::string& what,
                     std::shared_ptr<void>* storage) {
  TypedArrayView v = view_of(value, dtype, numel, shape, what);
  size_t bytes = v.length * dtype_size(dtype);
  if (mode_ == Mode::VERIFY) {
    if (!v.shared) borrowed_.push_back({v.buffer, v.data, v.byte_offset + bytes, bytes, what});
    return non_null(v.data);
  }
  if (v.shared) {
    references.push_back(Napi::Persistent(value.As<Napi::Object>()));
    return non_null(v.data);
  }
  // A copy the job owns: JS may detach or shrink the original while the job runs.
  Tensor copy = make_tensor(dtype, shape, what);
  if (bytes) std::memcpy(copy.data, v.data, bytes);
  *storage = copy.storage;
  return copy.data;
}

void HeldData::verify() const {
  for (const Borrowed& b : borrowed_) {
    bool detached = false;
    void* data = nullptr;
    size_t length = 0;
    napi_is_detached_arraybuffer(env_, b.buffer, &detached);
    if (!detached) napi_get_arraybuffer_info(env_, b.buffer, &data, &length);
    bool intact = !detached && length >= b.end && static_cast<uint8_t*>(data) + (b.end - b.bytes) == b.data;
    if (!intact && b.bytes) {
      bad(ErrorCode::E_ARG, b.what, "its ArrayBuffer was detached or shrunk while the arguments were read");
    }
  }
}

Tensor tensor_from_js(const Napi::Value& value, const std::string& what, HeldData& held, bool data_optional) {
  TensorSpec spec = spec_from_js(value, what);
  Tensor t;
  t.dtype = spec.dtype;
  t.shape = spec.shape;
  Napi::Value data_v = value.As<Napi::Object>().Get("data");
  if (data_optional && (data_v.IsUndefined() || data_v.IsNull())) return t;
  t.data = held.take(data_v, t.dtype, t.numel(), t.shape, what, &t.storage);
  return t;
}

namespace {
// Keeps an engine allocation alive for as long as the external ArrayBuffer over it lives.
struct ExternalOwner {
  std::shared_ptr<void> storage;
  int64_t bytes;
};
}  // namespace

Napi::Object tensor_to_js(Napi::Env env, const Tensor& t) {
  size_t bytes = t.nbytes();
  Napi::ArrayBuffer buf;
  if (bytes && t.storage) {
    auto* owner = new ExternalOwner{t.storage, int64_t(bytes)};
    buf = Napi::ArrayBuffer::New(env, t.data, bytes, [](Napi::Env e, void*, ExternalOwner* o) {
      int64_t adjusted = 0;
      napi_adjust_external_memory(e, -o->bytes, &adjusted);
      delete o;
    }, owner);
    // Tell V8's garbage collector how much memory the buffer holds.
    int64_t adjusted = 0;
    napi_adjust_external_memory(env, int64_t(bytes), &adjusted);
  } else {
    buf = Napi::ArrayBuffer::New(env, bytes);
    if (bytes) std::memcpy(buf.Data(), t.data, bytes);
  }
  size_t n = size_t(t.numel());
  Napi::Value data;
  visit_dtype(t.dtype, [&](auto d) {
    using T = storage_t<decltype(d)::value>;
    data = Napi::TypedArrayOf<T>::New(env, n, buf, 0, typed_array_of<T>());
  });
  Napi::Array shape = Napi::Array::New(env, t.shape.size());
  for (size_t i = 0; i < t.shape.size(); ++i) shape.Set(uint32_t(i), Napi::Number::New(env, double(t.shape[i])));
  Napi::Object obj = Napi::Object::New(env);
  obj.Set("dtype", Napi::String::New(env, dtype_name(t.dtype)));
  obj.Set("shape", shape);
  obj.Set("data", data);
  return obj;
}

Attrs attrs_from_js(const Napi::Value& value, const std::string& op) {
  Attrs attrs;
  if (value.IsUndefined() || value.IsNull()) return attrs;
  if (!value.IsObject() || value.IsArray()) throw Error(ErrorCode::E_ATTR, op + ": attributes must be an object");
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Array names = obj.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    std::string name = names.Get(i).As<Napi::String>().Utf8Value();
    Napi::Value v = obj.Get(name);
    AttrValue a;
    auto where = op + ": attribute '" + name + "'";
    auto number_is_int = [](double d) { return std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15; };
    if (v.IsNumber()) {
      double d = v.As<Napi::Number>().DoubleValue();
      if (number_is_int(d)) {
        a.kind = AttrValue::Kind::INT;
        a.i = int64_t(d);
      } else {
        a.kind = AttrValue::Kind::FLOAT;
        a.f = float(d);
      }
    } else if (v.IsBigInt()) {
      bool lossless = false;
      a.kind = AttrValue::Kind::INT;
      a.i = v.As<Napi::BigInt>().Int64Value(&lossless);
      if (!lossless) throw Error(ErrorCode::E_ATTR, where + " does not fit in int64");
    } else if (v.IsString()) {
      size_t bytes = 0;
      napi_get_value_string_utf8(v.Env(), v, nullptr, 0, &bytes);
      if (int64_t(bytes) > kMaxAttrStringBytes) {
        throw Error(ErrorCode::E_ATTR, where + " is " + std::to_string(bytes) + " bytes long, over the engine's limit of " +
                                           std::to_string(kMaxAttrStringBytes));
      }
      a.kind = AttrValue::Kind::STRING;
      a.s = v.As<Napi::String>().Utf8Value();
    } else if (v.IsArray()) {
      Napi::Array arr = v.As<Napi::Array>();
      if (int64_t(arr.Length()) > kMaxAttrElements) {
        throw Error(ErrorCode::E_ATTR, where + " has " + std::to_string(arr.Length()) +
                                           " entries, over the engine's limit of " + std::to_string(kMaxAttrElements));
      }
      // Integers stay exact (bigints up to int64, numbers up to 2^53); one
      // non-integer number makes the whole list floats.
      bool all_int = true;
      std::vector<int64_t> ints;
      std::vector<double> ds;
      for (uint32_t j = 0; j < arr.Length(); ++j) {
        Napi::Value e = arr.Get(j);
        if (e.IsBigInt()) {
          bool lossless = false;
          int64_t i = e.As<Napi::BigInt>().Int64Value(&lossless);
          if (!lossless) throw Error(ErrorCode::E_ATTR, where + "[" + std::to_string(j) + "] does not fit in int64");
          ints.push_back(i);
          ds.push_back(double(i));
        } else if (e.IsNumber()) {
          double d = e.As<Napi::Number>().DoubleValue();
          bool is_int = number_is_int(d);
          all_int = all_int && is_int;
          ints.push_back(is_int ? int64_t(d) : 0);
          ds.push_back(d);
        } else {
          throw Error(ErrorCode::E_ATTR, where + " must be a list of numbers");
        }
      }
      if (all_int) {
        a.kind = AttrValue::Kind::INTS;
        a.ints = std::move(ints);
      } else {
        a.kind = AttrValue::Kind::FLOATS;
        for (double d : ds) a.floats.push_back(float(d));
      }
    } else {
      throw Error(ErrorCode::E_ATTR, where + " must be a number, bigint, string or array of numbers");
    }
    attrs.set(name, std::move(a));
  }
  return attrs;
}

Napi::Object spec_to_js(Napi::Env env, const TensorSpec& spec) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("dtype", dtype_name(spec.dtype));
  Napi::Array shape = Napi::Array::New(env, spec.shape.size());
  for (size_t d = 0; d < spec.shape.size(); ++d) shape.Set(uint32_t(d), Napi::Number::New(env, double(spec.shape[d])));
  o.Set("shape", shape);
  return o;
}

std::string short_string_from_js(const Napi::Value& v, const std::string& what) {
  if (!v.IsString()) throw Error(ErrorCode::E_ARG, what + " must be a string");
  size_t bytes = 0;
  napi_get_value_string_utf8(v.Env(), v, nullptr, 0, &bytes);
  if (int64_t(bytes) > kMaxAttrStringBytes) {
    throw Error(ErrorCode::E_TOO_LARGE, what + ": " + std::to_string(bytes) + " bytes, over the engine's limit of " +
                                            std::to_string(kMaxAttrStringBytes));
  }
  return v.As<Napi::String>().Utf8Value();
}

int id_from_js(const Napi::Value& v, const std::function<std::string()>& what, bool allow_omitted) {
  if (allow_omitted && (v.IsNull() || v.IsUndefined())) return -1;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= (allow_omitted ? -1 : 0) && d < 2147483648.0) || d != std::floor(d)) {
    throw Error(ErrorCode::E_ARG, what() + " must be a value id (an integer >= 0" +
                                      (allow_omitted ? ", or -1 when omitted)" : ")"));
  }
  return int(d);
}

std::vector<int> ids_from_js(const Napi::Array& arr, const std::string& what, bool allow_omitted) {
  std::vector<int> out;
  out.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    out.push_back(id_from_js(arr.Get(i), [&] { return what + "[" + std::to_string(i) + "]"; }, allow_omitted));
  }
  return out;
}

}  // namespace aivm::napi
