// ISA selection and single-op execution.
#include "aivm/engine.h"

#include <cstdlib>
#include <thread>

#include "core/fault.h"
#include "core/fpenv.h"
#include "core/op.h"
#include "core/thread_pool.h"
#include "cpu/features.h"
#include "cpu/isa_tables.h"
#if defined(AIVM_HAVE_CUDA)
#include "cuda/device.h"
#include "cuda/ops.h"
#endif

namespace aivm {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::SCALAR: return "scalar";
    case Isa::AVX2: return "avx2";
    case Isa::AVX512: return "avx512";
    case Isa::NEON: return "neon";
    case Isa::CUDA: return "cuda";
  }
  return "unknown";
}

// The CPU ISAs this binary has and this CPU runs, narrow to wide.
static std::vector<Isa> cpu_isas() {
  cpu::CpuFeatures f = cpu::detect_cpu_features();
  std::vector<Isa> out{Isa::SCALAR};
#if defined(AIVM_HAVE_AVX2)
  if (f.avx2_fma) out.push_back(Isa::AVX2);
#endif
#if defined(AIVM_HAVE_AVX512)
  if (f.avx512f) out.push_back(Isa::AVX512);
#endif
#if defined(AIVM_HAVE_NEON)
  if (f.neon) out.push_back(Isa::NEON);
#endif
  (void)f;
  return out;
}

std::vector<Isa> available_isas() {
  std::vector<Isa> out = cpu_isas();
#if defined(AIVM_HAVE_CUDA)
  if (cuda::device_available()) out.push_back(Isa::CUDA);
#endif
  return out;
}

static std::string available_list() {
  std::string s;
  for (Isa i : available_isas()) s += (s.empty() ? "" : ", ") + std::string(isa_name(i));
  return s;
}

std::string cuda_status() {
#if defined(AIVM_HAVE_CUDA)
  return cuda::device_available() ? cuda::device_description() : "compiled; no CUDA device";
#else
  return "not compiled (build with AIVM_CUDA=1 where nvcc is installed)";
#endif
}

Isa resolve_isa(const std::string& name) {
  for (Isa i : available_isas()) {
    if (name == isa_name(i)) return i;
  }
  bool known = name == "scalar" || name == "avx2" || name == "avx512" || name == "neon";
  std::string why = known ? "is not available on this CPU or build" : "is unknown";
  if (name == "cuda") {
#if defined(AIVM_HAVE_CUDA)
    why = "needs a CUDA device, and this machine has none";
#else
    why = "is not compiled into this build (build with AIVM_CUDA=1 where nvcc is installed)";
#endif
  }
  throw Error(ErrorCode::E_ISA_UNAVAILABLE, std::string("isa '") + name + "' " + why + "; available: " + available_list());
}

Isa default_isa() {
  const char* env = std::getenv("AIVM_ISA");
  if (env && *env) return resolve_isa(env);
  // Never cuda: asking the CUDA runtime for devices costs its start-up, and
  // the GPU backend runs only when named.
  return cpu_isas().back();
}

static const OpTable& table_for(Isa isa) {
  switch (isa) {
#if defined(AIVM_HAVE_AVX2)
    case Isa::AVX2: return cpu::avx2::op_table();
#endif
#if defined(AIVM_HAVE_AVX512)
    case Isa::AVX512: return cpu::avx512::op_table();
#endif
#if defined(AIVM_HAVE_NEON)
    case Isa::NEON: return cpu::neon::op_table();
#endif
#if defined(AIVM_HAVE_CUDA)
    case Isa::CUDA: return cuda::op_table();
#endif
    default: return cpu::scalar::op_table();
  }
}

void OpTable::add(OpKernel kernel) {
  std::string name = kernel.name;
  kernels_[name] = std::move(kernel);
}

std::vector<std::string> op_names() { return cpu::scalar::op_table().names(); }
std::vector<std::string> op_names_for(Isa isa) { return table_for(isa).names(); }

const Tensor& OpContext::input(size_t i) const {
  if (i >= inputs.size() || inputs[i] == nullptr) {
    fail(ErrorCode::E_ARITY, op, "input " + std::to_string(i) + " is required");
  }
  return *inputs[i];
}

void OpContext::parallel_for(int64_t n, int64_t min_chunk,
                             const std::function<void(int64_t, int64_t)>& body) const {
  pool->parallel_for(n, min_chunk, threads, body, control);
}

Engine::Engine() : pool_(new ThreadPool()) {}
Engine::~Engine() = default;

int Engine::hardware_threads() const {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
}

void check_threads(int threads) {
  if (threads < 1 || threads > kMaxThreads) {
    throw Error(ErrorCode::E_THREADS, "threads must be an integer in [1, " + std::to_string(kMaxThreads) +
                                          "], got " + std::to_string(threads));
  }
}

std::map<std::string, std::vector<int>> op_data_inputs() {
  std::map<std::string, std::vector<int>> out;
  for (const std::string& name : op_names()) out[name] = cpu::scalar::op_table().find(name)->data_inputs;
  return out;
}

namespace {

// The checks every entry point makes before infer: the op exists, the input
// count, sane input shapes, known attributes.
const OpKernel& checked_kernel(const OpTable& table, const std::string& name, const std::vector<const Tensor*>& inputs,
                               const Attrs& attrs) {
  const OpKernel* kernel = table.find(name);
  if (!kernel) fail(ErrorCode::E_UNSUPPORTED_OP, name, "no such op in engine " + std::string(kEngineVersion));
  const char* op = kernel->name.c_str();
  int n = int(inputs.size());
  if (n < kernel->min_inputs || n > kernel->max_inputs) {
    fail(ErrorCode::E_ARITY, op, "expects " + std::to_string(kernel->min_inputs) +
                                     (kernel->max_inputs != kernel->min_inputs
                                          ? " to " + std::to_string(kernel->max_inputs)
                                          : std::string()) +
                                     " inputs, got " + std::to_string(n));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]) checked_numel(inputs[i]->shape, op, "input " + std::to_string(i));
  }
  for (const auto& kv : attrs.all()) {
    bool known = false;
    for (const auto& a : kernel->attrs) known = known || a == kv.first;
    if (!known) fail(ErrorCode::E_ATTR, op, "unknown attribute '" + kv.first + "'");
  }
  return *kernel;
}

}  // namespace

std::vector<TensorSpec> infer_op(const std::string& name, const std::vector<const Tensor*>& inputs,
                                 const Attrs& attrs) {
  // infer is the same source in every ISA library; the scalar copy answers.
  const OpKernel& kernel = checked_kernel(cpu::scalar::op_table(), name, inputs, attrs);
  for (int i : kernel.data_inputs) {
    if (size_t(i) < inputs.size() && inputs[size_t(i)] && !inputs[size_t(i)]->data) {
      fail(ErrorCode::E_ARG, kernel.name, "input " + std::to_string(i) +
                                              " needs its data: the op reads it to infer output shapes");
    }
  }
  // No thread pool: infer never runs parallel work.
  OpContext ctx{kernel.name.c_str(), inputs, attrs, nullptr, 1};
  fault::inject(fault::Site::INFER, kernel.name.c_str());
  return kernel.infer(ctx);
}

std::vector<Tensor> Engine::run_op(const std::string& name, const std::vector<const Tensor*>& inputs,
                                   const Attrs& attrs, Isa isa, int threads, int64_t max_output_bytes) {
  check_threads(threads);
  const OpKernel& kernel = checked_kernel(table_for(isa), name, inputs, attrs);
  const char* op = kernel.name.c_str();
  enter_strict_fpenv();
  OpContext ctx{op, inputs, attrs, pool_.get(), threads};
  fault::inject(fault::Site::INFER, op);
  std::vector<OutputSpec> specs = kernel.infer(ctx);
  // Each output is at most 2^37 bytes and there are at most kMaxOpOutputs: no overflow.
  int64_t total = 0;
  for (const auto& s : specs) total += checked_numel(s.shape, op, "output") * int64_t(dtype_size(s.dtype));
  if (total > max_output_bytes) {
    fail(ErrorCode::E_MEMORY_LIMIT, op, "its outputs need " + std::to_string(total) + " bytes, over maxMemoryBytes = " +
                                            std::to_string(max_output_bytes) + " (default " +
                                            std::to_string(kDefaultRunOpMaxBytes) + ")");
  }
  fault::inject(fault::Site::COMPUTE, op);
  std::vector<Tensor> outputs;
  outputs.reserve(specs.size());
  for (const auto& s : specs) outputs.push_back(make_tensor(s.dtype, s.shape, op));
  kernel.compute(ctx, outputs);
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!guards_intact(outputs[i])) {
      fail(ErrorCode::E_INTERNAL, op, "kernel wrote outside output " + std::to_string(i) + " (guard bytes changed)");
    }
  }
  return outputs;
}

void Engine::compute_into(const std::string& name, const std::vector<const Tensor*>& inputs, const Attrs& attrs,
                          Isa isa, int threads, std::vector<Tensor>& outputs, const RunControl* control) {
  check_threads(threads);
  const OpKernel* kernel = table_for(isa).find(name);
  if (!kernel) fail(ErrorCode::E_UNSUPPORTED_OP, name, "no such op in engine " + std::string(kEngineVersion));
  enter_strict_fpenv();
  fault::inject(fault::Site::COMPUTE, kernel->name.c_str());
  OpContext ctx{kernel->name.c_str(), inputs, attrs, pool_.get(), threads, control && control->active() ? control : nullptr};
  kernel->compute(ctx, outputs);
}

}  // namespace aivm
