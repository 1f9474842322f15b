#include "aivm/tensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "aivm/error.h"

namespace aivm {

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t checked_numel(const Shape& shape, const std::string& op, const std::string& what) {
  if (shape.size() > size_t(kMaxRank)) {
    fail(ErrorCode::E_SHAPE, op, what + " has rank " + std::to_string(shape.size()) +
                                     ", the engine supports at most " + std::to_string(kMaxRank));
  }
  // The product of the non-zero dims is bounded too, not only the element
  // count: an empty tensor such as [0, 60, 2^63-1] would otherwise pass, and
  // its strides (products of trailing dims) overflow int64.
  int64_t nonzero = 1;
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0) fail(ErrorCode::E_SHAPE, op, what + " has a negative dimension in " + shape_str(shape));
    if (d == 0) {
      empty = true;
      continue;
    }
    if (nonzero > kMaxElements / d) {
      bool has_zero = std::count(shape.begin(), shape.end(), int64_t(0)) > 0;
      fail(ErrorCode::E_TOO_LARGE, op, what + " shape " + shape_str(shape) +
                                           (has_zero ? " has non-zero dimensions whose product exceeds " : " exceeds ") +
                                           std::to_string(kMaxElements) + " elements");
    }
    nonzero *= d;
  }
  return empty ? 0 : nonzero;
}

Tensor make_tensor(DType dtype, const Shape& shape, const std::string& op) {
  int64_t n = checked_numel(shape, op, "output");
  size_t bytes = size_t(n) * dtype_size(dtype);
  if (int64_t(bytes) > kMaxBytes) {
    fail(ErrorCode::E_TOO_LARGE, op, "output " + shape_str(shape) + " needs " + std::to_string(bytes) +
                                         " bytes, over the engine limit");
  }
  // Layout: [guard 64][data rounded up to 64][guard 64]. The guards hold a known
  // pattern that check_guards verifies after every op: a kernel writing outside
  // its output is caught as E_INTERNAL instead of corrupting memory silently.
  size_t body = (bytes + kGuardBytes - 1) / kGuardBytes * kGuardBytes;
  size_t alloc = body + 2 * kGuardBytes;
  uint8_t* base = static_cast<uint8_t*>(std::aligned_alloc(64, alloc));
  if (!base) fail(ErrorCode::E_TOO_LARGE, op, "out of memory allocating " + std::to_string(alloc) + " bytes");
  std::memset(base, kGuardPattern, kGuardBytes);
  std::memset(base + kGuardBytes, 0, body);
  std::memset(base + kGuardBytes + bytes, kGuardPattern, body - bytes + kGuardBytes);
  Tensor t;
  t.dtype = dtype;
  t.shape = shape;
  t.storage = std::shared_ptr<void>(base, [](void* q) { std::free(q); });
  t.data = base + kGuardBytes;
  t.guarded = true;
  return t;
}

bool guards_intact(const Tensor& t) {
  if (!t.guarded) return true;
  const uint8_t* data = static_cast<const uint8_t*>(t.data);
  const uint8_t* before = data - kGuardBytes;
  size_t bytes = t.nbytes();
  size_t body = (bytes + kGuardBytes - 1) / kGuardBytes * kGuardBytes;
  for (size_t i = 0; i < kGuardBytes; ++i) {
    if (before[i] != kGuardPattern) return false;
  }
  for (size_t i = bytes; i < body + kGuardBytes; ++i) {
    if (data[i] != kGuardPattern) return false;
  }
  return true;
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace aivm
