// A tensor is a dtype, a shape and a pointer to contiguous row-major data. The
// storage pointer keeps the bytes alive: either memory the engine allocated or
// a borrowed buffer (a JS ArrayBuffer kept alive by the N-API layer).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aivm/dtype.h"
#include "aivm/limits.h"

namespace aivm {

using Shape = std::vector<int64_t>;

struct Tensor {
  DType dtype = DType::F32;
  Shape shape;
  std::shared_ptr<void> storage;  // owner of the bytes at data (may be shared)
  void* data = nullptr;
  bool guarded = false;  // allocated by make_tensor, with guard bytes around data

  int64_t numel() const;
  size_t nbytes() const { return size_t(numel()) * dtype_size(dtype); }
  int rank() const { return int(shape.size()); }

  template <class T> T* ptr() { return static_cast<T*>(data); }
  template <class T> const T* ptr() const { return static_cast<const T*>(data); }
};

// What an op's shape inference gives for each output (no data).
struct TensorSpec {
  DType dtype = DType::F32;
  Shape shape;
};

// Product of dims; throws E_SHAPE for a negative dim and E_TOO_LARGE past kMaxElements.
int64_t checked_numel(const Shape& shape, const std::string& op, const std::string& what);

// Allocates a zero-filled, 64-byte aligned tensor after checking its size.
Tensor make_tensor(DType dtype, const Shape& shape, const std::string& op = "engine");

constexpr size_t kGuardBytes = 64;
constexpr uint8_t kGuardPattern = 0xA5;
// False when something wrote into the guard bytes around a make_tensor buffer.
bool guards_intact(const Tensor& t);

std::string shape_str(const Shape& shape);

}  // namespace aivm
