#include "cuda/device.h"

#include <cstdlib>
#include <cstring>

#include "aivm/error.h"

namespace aivm::cuda {

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    device_free(ptr_);
    ptr_ = o.ptr_;
    bytes_ = o.bytes_;
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

Dims dims_of(const std::vector<int64_t>& v) {
  Dims d{};
  if (v.size() > sizeof(d.v) / sizeof(d.v[0])) throw Error(ErrorCode::E_INTERNAL, "cuda: more dims than kMaxRank");
  for (size_t i = 0; i < v.size(); ++i) d.v[i] = v[i];
  return d;
}

Staging::Staging(const OpContext& ctx, std::vector<Tensor>& outputs) : op_(ctx.op), host_outputs_(outputs) {
  for (const Tensor* t : ctx.inputs) {
    inputs_.emplace_back();
    if (!t || !t->data || t->nbytes() == 0) continue;
    inputs_.back() = DeviceBuffer(t->nbytes(), op_);
    copy_to_device(inputs_.back().get(), t->data, t->nbytes(), op_);
  }
  for (const Tensor& t : outputs) outputs_.emplace_back(t.nbytes(), op_);
}

void Staging::finish() {
  synchronize(op_);
  for (size_t i = 0; i < outputs_.size(); ++i) {
    if (outputs_[i].bytes()) copy_to_host(host_outputs_[i].data, outputs_[i].get(), outputs_[i].bytes(), op_);
  }
}

#if defined(__CUDACC__)

[[noreturn]] static void device_fail(const char* op, const char* what, cudaError_t err) {
  fail(ErrorCode::E_DEVICE, op, std::string(what) + " failed: " + cudaGetErrorName(err) + " (" +
                                    cudaGetErrorString(err) + ")");
}

bool device_available() {
  static const bool available = [] {
    int n = 0;
    return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
  }();
  return available;
}

std::string device_description() {
  if (!device_available()) return "no CUDA device";
  int dev = 0, driver = 0;
  cudaDeviceProp p{};
  if (cudaGetDevice(&dev) != cudaSuccess || cudaGetDeviceProperties(&p, dev) != cudaSuccess) return "CUDA device";
  cudaDriverGetVersion(&driver);
  return std::string(p.name) + ", sm_" + std::to_string(p.major) + std::to_string(p.minor) + ", CUDA driver " +
         std::to_string(driver / 1000) + "." + std::to_string((driver % 1000) / 10);
}

void* device_alloc(size_t bytes, const char* op) {
  void* p = nullptr;
  cudaError_t err = cudaMalloc(&p, bytes);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free error so later calls can proceed
    device_fail(op, ("cudaMalloc of " + std::to_string(bytes) + " bytes").c_str(), err);
  }
  return p;
}

void device_free(void* p) noexcept {
  if (p) cudaFree(p);
}

void copy_to_device(void* dst, const void* src, size_t bytes, const char* op) {
  if (!bytes) return;
  cudaError_t err = cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice);
  if (err != cudaSuccess) device_fail(op, "cudaMemcpy to device", err);
}

void copy_to_host(void* dst, const void* src, size_t bytes, const char* op) {
  if (!bytes) return;
  cudaError_t err = cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost);
  if (err != cudaSuccess) device_fail(op, "cudaMemcpy to host", err);
}

void check_launch(const char* op) {
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) device_fail(op, "kernel launch", err);
}

void synchronize(const char* op) {
  cudaError_t err = cudaDeviceSynchronize();
  if (err != cudaSuccess) device_fail(op, "kernel", err);
}

#else  // AIVM_CUDA_EMULATE: host memory, kernels already ran when launch returned

bool device_available() { return true; }
std::string device_description() { return "host emulation"; }

void* device_alloc(size_t bytes, const char* op) {
  void* p = std::malloc(bytes);
  if (!p) fail(ErrorCode::E_DEVICE, op, "emulated device allocation of " + std::to_string(bytes) + " bytes failed");
  // Poison, like uninitialized GPU memory: an output element a kernel forgets
  // to write then differs from the scalar result instead of reading as 0.
  std::memset(p, 0xA5, bytes);
  return p;
}

void device_free(void* p) noexcept { std::free(p); }

void copy_to_device(void* dst, const void* src, size_t bytes, const char*) {
  if (bytes) std::memcpy(dst, src, bytes);
}

void copy_to_host(void* dst, const void* src, size_t bytes, const char*) {
  if (bytes) std::memcpy(dst, src, bytes);
}

void check_launch(const char*) {}
void synchronize(const char*) {}

#endif

}  // namespace aivm::cuda
