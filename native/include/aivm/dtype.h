// Element types the engine understands. The numeric tags are ONNX's
// TensorProto.DataType codes, so they mean the same thing in a model file, in
// the hash encoding (docs/HASHING.md) and across the N-API boundary.
#pragma once
#include <cstddef>
#include <cstdint>

namespace aivm {

enum class DType : int32_t {
  F32 = 1,
  I32 = 6,
  I64 = 7,
  BOOL = 9,
};

inline size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: return 4;
    case DType::I32: return 4;
    case DType::I64: return 8;
    case DType::BOOL: return 1;
  }
  return 0;
}

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "float32";
    case DType::I32: return "int32";
    case DType::I64: return "int64";
    case DType::BOOL: return "bool";
  }
  return "unknown";
}

// Returns false for tags the engine does not implement.
inline bool dtype_from_tag(int32_t tag, DType* out) {
  switch (tag) {
    case 1: *out = DType::F32; return true;
    case 6: *out = DType::I32; return true;
    case 7: *out = DType::I64; return true;
    case 9: *out = DType::BOOL; return true;
    default: return false;
  }
}

}  // namespace aivm
