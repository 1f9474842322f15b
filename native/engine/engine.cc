// ISA selection, the backends' compute tables and single-op execution. The
// engine layer is the only one that knows the backends (cpu/, cuda/); the ops
// layer below it (native/ops) knows none.
#include "aivm/engine.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "core/fault.h"
#include "core/fpenv.h"
#include "core/thread_pool.h"
#include "cpu/features.h"
#include "cpu/isa_tables.h"
#include "ops/op.h"
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

namespace {

const ComputeTable& raw_table(Isa isa) {
  switch (isa) {
#if defined(AIVM_HAVE_AVX2)
    case Isa::AVX2: return cpu::avx2::compute_table();
#endif
#if defined(AIVM_HAVE_AVX512)
    case Isa::AVX512: return cpu::avx512::compute_table();
#endif
#if defined(AIVM_HAVE_NEON)
    case Isa::NEON: return cpu::neon::compute_table();
#endif
#if defined(AIVM_HAVE_CUDA)
    case Isa::CUDA: return cuda::compute_table();
#endif
    default: return cpu::scalar::compute_table();
  }
}

// What a backend's table lacks, in words ("" when it has every op of op_list.h).
std::string missing_computes(Isa isa, const ComputeTable& t) {
  for (int i = 0; i < kOpCount; ++i) {
    if (!t[OpId(i)]) {
      return std::string(op_name(OpId(i))) + ": no compute in the " + isa_name(isa) + " backend (native/" +
             (isa == Isa::CUDA ? "cuda/" : "cpu/ops/") + op_family(OpId(i)) + (isa == Isa::CUDA ? ".cu)" : ".cc)");
    }
  }
  return "";
}

// A backend that lacks a compute for an op of op_list.h is a build bug: every
// backend runs every op. Checked once per ISA, on first use (the check itself
// never throws, so the once_flag is never left mid-call).
const ComputeTable& checked_table(Isa isa) {
  static std::once_flag once[5];
  static std::string missing[5];
  const ComputeTable& t = raw_table(isa);
  std::call_once(once[int(isa)], [&] { missing[int(isa)] = missing_computes(isa, t); });
  if (!missing[int(isa)].empty()) throw Error(ErrorCode::E_INTERNAL, missing[int(isa)]);
  return t;
}

}  // namespace

std::vector<std::string> op_names() {
  std::vector<std::string> out;
  for (int i = 0; i < kOpCount; ++i) out.push_back(op_name(OpId(i)));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> selftest_op_names() {
  static const char* const outside[] = {
#define AIVM_OUTSIDE_NAME_(name) #name,
      AIVM_OPS_OUTSIDE_SELFTEST(AIVM_OUTSIDE_NAME_)
#undef AIVM_OUTSIDE_NAME_
  };
  std::vector<std::string> out;
  for (const std::string& name : op_names()) {
    if (std::find(std::begin(outside), std::end(outside), name) == std::end(outside)) out.push_back(name);
  }
  return out;
}

std::vector<std::string> op_names_for(Isa isa) {
  const ComputeTable& t = raw_table(isa);
  std::vector<std::string> out;
  for (int i = 0; i < kOpCount; ++i) {
    if (t[OpId(i)]) out.push_back(op_name(OpId(i)));
  }
  std::sort(out.begin(), out.end());
  return out;
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
  for (int i = 0; i < kOpCount; ++i) out[op_name(OpId(i))] = op_contract(OpId(i)).data_inputs;
  return out;
}

namespace {

OpId resolve_op(const std::string& name) {
  OpId op;
  if (!find_op(name, &op)) fail(ErrorCode::E_UNSUPPORTED_OP, name, "no such op in engine " + std::string(kEngineVersion));
  return op;
}

// The checks every entry point makes before infer: the input count, sane input
// shapes, known attributes.
const OpContract& checked_contract(OpId id, const std::vector<const Tensor*>& inputs, const Attrs& attrs) {
  const OpContract& c = op_contract(id);
  const char* op = op_name(id);
  int n = int(inputs.size());
  if (n < c.min_inputs || n > c.max_inputs) {
    fail(ErrorCode::E_ARITY, op, "expects " + std::to_string(c.min_inputs) +
                                     (c.max_inputs != c.min_inputs ? " to " + std::to_string(c.max_inputs)
                                                                   : std::string()) +
                                     " inputs, got " + std::to_string(n));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]) checked_numel(inputs[i]->shape, op, "input " + std::to_string(i));
  }
  for (const auto& kv : attrs.all()) {
    bool known = false;
    for (const auto& a : c.attrs) known = known || a == kv.first;
    if (!known) fail(ErrorCode::E_ATTR, op, "unknown attribute '" + kv.first + "'");
  }
  return c;
}

}  // namespace

std::vector<TensorSpec> infer_op(OpId id, const std::vector<const Tensor*>& inputs, const Attrs& attrs, Params* kept) {
  const OpContract& contract = checked_contract(id, inputs, attrs);
  const char* op = op_name(id);
  for (int i : contract.data_inputs) {
    if (size_t(i) < inputs.size() && inputs[size_t(i)] && !inputs[size_t(i)]->data) {
      fail(ErrorCode::E_ARG, op, "input " + std::to_string(i) + " needs its data: the op reads it to infer output shapes");
    }
  }
  // No thread pool: infer never runs parallel work.
  OpContext ctx{op, inputs, attrs, nullptr, 1};
  ctx.kept = kept;
  fault::inject(fault::Site::INFER, op);
  return contract.infer(ctx);
}

std::vector<TensorSpec> infer_op(const std::string& name, const std::vector<const Tensor*>& inputs,
                                 const Attrs& attrs) {
  return infer_op(resolve_op(name), inputs, attrs);
}

std::vector<Tensor> Engine::run_op(const std::string& name, const std::vector<const Tensor*>& inputs,
                                   const Attrs& attrs, Isa isa, int threads, int64_t max_output_bytes) {
  check_threads(threads);
  const OpId id = resolve_op(name);
  const ComputeFn compute = checked_table(isa)[id];
  const OpContract& contract = checked_contract(id, inputs, attrs);
  const char* op = op_name(id);
  enter_strict_fpenv();
  OpContext ctx{op, inputs, attrs, pool_.get(), threads};
  Params params;
  ctx.kept = &params;
  fault::inject(fault::Site::INFER, op);
  std::vector<OutputSpec> specs = contract.infer(ctx);
  ctx.kept = nullptr;
  ctx.params = &params;
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
  compute(ctx, outputs);
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!guards_intact(outputs[i])) {
      fail(ErrorCode::E_INTERNAL, op, "kernel wrote outside output " + std::to_string(i) + " (guard bytes changed)");
    }
  }
  return outputs;
}

const ComputeTable& Engine::computes(Isa isa) const { return checked_table(isa); }

void Engine::compute_into(const ComputeTable& computes, OpId id, const std::vector<const Tensor*>& inputs, const Attrs& attrs,
                          const Params& params, int threads, std::vector<Tensor>& outputs, const RunControl* control) {
  const char* op = op_name(id);
  enter_strict_fpenv();
  fault::inject(fault::Site::COMPUTE, op);
  OpContext ctx{op, inputs, attrs, pool_.get(), threads, control && control->active() ? control : nullptr};
  ctx.params = &params;
  computes[id](ctx, outputs);
}

}  // namespace aivm
