// Element types the engine understands. The numeric tags are ONNX's
// TensorProto.DataType codes, so they mean the same thing in a model file, in
// the hash encoding (docs/HASHING.md) and across the N-API boundary.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace aivm {

// The one table of dtypes; everything that names or sizes a dtype derives from it.
// X(enum name, ONNX tag, JS name, C element type, JS typed array holding it).
// The C type is how an element is stored: float16 and bfloat16 are their IEEE
// bit patterns (uint16_t), the float8 formats their bit patterns (uint8_t; only
// Cast computes on them, docs/numerics/cast.md), bool one byte 0 or 1; JS sees
// the same bytes. The sub-byte types (ONNX packs two 4-bit or four 2-bit
// elements per byte) are stored unpacked, one element per byte: int4/int2 as
// their sign-extended value, uint4/uint2 as their value, float4e2m1 as its
// 4-bit pattern. Only the low sub_byte_bits() bits of such a byte count (as
// only zero or non-zero counts for bool): Cast and the hash read them so.
#define AIVM_DTYPES(X)                                  \
  X(F32, 1, "float32", float, "Float32Array")           \
  X(U8, 2, "uint8", uint8_t, "Uint8Array")              \
  X(I8, 3, "int8", int8_t, "Int8Array")                 \
  X(U16, 4, "uint16", uint16_t, "Uint16Array")          \
  X(I16, 5, "int16", int16_t, "Int16Array")             \
  X(I32, 6, "int32", int32_t, "Int32Array")             \
  X(I64, 7, "int64", int64_t, "BigInt64Array")          \
  X(BOOL, 9, "bool", uint8_t, "Uint8Array")             \
  X(F16, 10, "float16", uint16_t, "Uint16Array")        \
  X(F64, 11, "float64", double, "Float64Array")         \
  X(U32, 12, "uint32", uint32_t, "Uint32Array")         \
  X(U64, 13, "uint64", uint64_t, "BigUint64Array")      \
  X(BF16, 16, "bfloat16", uint16_t, "Uint16Array")      \
  X(F8E4M3FN, 17, "float8e4m3fn", uint8_t, "Uint8Array") \
  X(F8E4M3FNUZ, 18, "float8e4m3fnuz", uint8_t, "Uint8Array") \
  X(F8E5M2, 19, "float8e5m2", uint8_t, "Uint8Array")     \
  X(F8E5M2FNUZ, 20, "float8e5m2fnuz", uint8_t, "Uint8Array") \
  X(F8E8M0, 24, "float8e8m0", uint8_t, "Uint8Array")    \
  X(U4, 21, "uint4", uint8_t, "Uint8Array")             \
  X(I4, 22, "int4", int8_t, "Int8Array")                \
  X(F4E2M1, 23, "float4e2m1", uint8_t, "Uint8Array")    \
  X(U2, 25, "uint2", uint8_t, "Uint8Array")             \
  X(I2, 26, "int2", int8_t, "Int8Array")

enum class DType : int32_t {
#define AIVM_DTYPE_ENUM(e, tag, name, T, array) e = tag,
  AIVM_DTYPES(AIVM_DTYPE_ENUM)
#undef AIVM_DTYPE_ENUM
};

// The C element type of a dtype: storage_t<DType::F16> is uint16_t.
template <DType D> struct DTypeStorage;
#define AIVM_DTYPE_STORAGE(e, tag, name, T, array) \
  template <> struct DTypeStorage<DType::e> { using type = T; };
AIVM_DTYPES(AIVM_DTYPE_STORAGE)
#undef AIVM_DTYPE_STORAGE
template <DType D> using storage_t = typename DTypeStorage<D>::type;

// Calls f with std::integral_constant<DType, t>, so a template can be
// instantiated per dtype (decltype(tag)::value is the DType).
template <class F> void visit_dtype(DType t, F&& f) {
  switch (t) {
#define AIVM_DTYPE_VISIT(e, tag, name, T, array) \
  case DType::e: f(std::integral_constant<DType, DType::e>{}); return;
    AIVM_DTYPES(AIVM_DTYPE_VISIT)
#undef AIVM_DTYPE_VISIT
  }
}

inline size_t dtype_size(DType t) {
  switch (t) {
#define AIVM_DTYPE_SIZE(e, tag, name, T, array) case DType::e: return sizeof(T);
    AIVM_DTYPES(AIVM_DTYPE_SIZE)
#undef AIVM_DTYPE_SIZE
  }
  return 0;
}

// Bits per element of the sub-byte types (4 or 2); 0 for every other dtype.
// Also called by CUDA kernels (math/convert.h).
#if defined(__CUDACC__)
__host__ __device__
#endif
constexpr int sub_byte_bits(DType t) {
  return t == DType::U4 || t == DType::I4 || t == DType::F4E2M1 ? 4 : t == DType::U2 || t == DType::I2 ? 2 : 0;
}

inline const char* dtype_name(DType t) {
  switch (t) {
#define AIVM_DTYPE_NAME(e, tag, name, T, array) case DType::e: return name;
    AIVM_DTYPES(AIVM_DTYPE_NAME)
#undef AIVM_DTYPE_NAME
  }
  return "unknown";
}

// Returns false for tags the engine does not implement.
inline bool dtype_from_tag(int32_t tag, DType* out) {
  switch (tag) {
#define AIVM_DTYPE_TAG(e, tag_, name, T, array) case tag_: *out = DType::e; return true;
    AIVM_DTYPES(AIVM_DTYPE_TAG)
#undef AIVM_DTYPE_TAG
    default: return false;
  }
}

}  // namespace aivm
