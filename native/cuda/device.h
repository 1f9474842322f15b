// Host side of the CUDA backend: is there a device, device memory, copies,
// kernel launches and error checks. Every failure of the CUDA runtime becomes
// aivm::Error E_DEVICE naming the op; nothing is retried or ignored.
// In the host emulation build (AIVM_CUDA_EMULATE) "device" memory is host
// memory from malloc, so AddressSanitizer sees every kernel access.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "aivm/tensor.h"
#include "ops/op.h"
#include "cuda/compat.h"

namespace aivm::cuda {

// True when a CUDA device can be used (always true in the emulation build).
bool device_available();
// "NVIDIA H100 80GB HBM3, sm_90, driver 13.0" or "host emulation".
std::string device_description();

void* device_alloc(size_t bytes, const char* op);
void device_free(void* p) noexcept;
void copy_to_device(void* dst, const void* src, size_t bytes, const char* op);
void copy_to_host(void* dst, const void* src, size_t bytes, const char* op);
// After a launch: throws E_DEVICE if the launch was refused.
void check_launch(const char* op);
// Waits for every launched kernel; throws E_DEVICE if one failed.
void synchronize(const char* op);

// Device memory owned by one op call.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(size_t bytes, const char* op) : ptr_(bytes ? device_alloc(bytes, op) : nullptr), bytes_(bytes) {}
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) { o.ptr_ = nullptr; o.bytes_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { device_free(ptr_); }
  void* get() const { return ptr_; }
  size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// One op call's tensors on the device: every present input uploaded, every
// output allocated. Kernels read in<T>(i) and write out<T>(i); finish() waits
// for them and copies the outputs back into the host tensors.
class Staging {
 public:
  Staging(const OpContext& ctx, std::vector<Tensor>& outputs);
  // Device copy of input i, or nullptr when it was omitted.
  template <class T> const T* in(size_t i) const { return static_cast<const T*>(inputs_.at(i).get()); }
  template <class T> T* out(size_t i) { return static_cast<T*>(outputs_.at(i).get()); }
  // A device copy of host values the op derived (offsets, index tables).
  template <class T> const T* upload(const std::vector<T>& values) {
    extra_.emplace_back(values.size() * sizeof(T), op_);
    copy_to_device(extra_.back().get(), values.data(), values.size() * sizeof(T), op_);
    return static_cast<const T*>(extra_.back().get());
  }
  void finish();

 private:
  const char* op_;
  std::vector<Tensor>& host_outputs_;
  std::vector<DeviceBuffer> inputs_, outputs_, extra_;
};

// Shape (or strides) as kernel argument; rank <= kMaxRank, unused entries 0.
Dims dims_of(const std::vector<int64_t>& v);

constexpr int kThreadsPerBlock = 256;
constexpr int64_t kMaxBlocks = 65535;  // more elements than threads: grid-stride loops

// Runs kernel(n, args...) over n elements (nothing when n == 0).
template <class... P, class... A>
void launch(const char* op, int64_t n, void (*kernel)(int64_t, P...), A... args) {
  if (n <= 0) return;
#if defined(__CUDACC__)
  int64_t blocks = (n + kThreadsPerBlock - 1) / kThreadsPerBlock;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  kernel<<<unsigned(blocks), kThreadsPerBlock>>>(n, P(args)...);
  check_launch(op);
#else
  kernel(n, P(args)...);
#endif
}

}  // namespace aivm::cuda
