// The engine's public C++ interface: instruction-set selection, the op list and
// running one op. No N-API types here: native/napi adapts this for Node, and the
// standalone self-test (issue 4) uses it directly.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aivm/attrs.h"
#include "aivm/error.h"
#include "aivm/run_control.h"
#include "aivm/tensor.h"

namespace aivm {

// The ops layer's types (native/ops/op.h), declared only: this public header
// stays below every other layer; the engine layer includes the definitions.
enum class OpId : int;
class ComputeTable;
class Params;

constexpr const char* kEngineVersion = "0.1.0";
constexpr const char* kNumericsVersion = "aivm-fp32-v1";
constexpr int kMaxThreads = 256;

// CUDA is the GPU backend (native/cuda): compiled only with AIVM_CUDA=1, never
// the default (the default is always a CPU ISA), chosen by name.
enum class Isa { SCALAR, AVX2, AVX512, NEON, CUDA };

const char* isa_name(Isa isa);
// All ISAs compiled into this binary that this CPU (and OS) can run, scalar
// first, then the wider CPU ISAs, then cuda when a CUDA device is present.
std::vector<Isa> available_isas();
// What the CUDA backend can do here, in words: "not compiled (...)",
// "compiled; no CUDA device", "host emulation" or the device's name and driver.
std::string cuda_status();
// The widest available CPU ISA, unless the environment variable AIVM_ISA names one.
Isa default_isa();
// Parses a name ("scalar", "avx2", "avx512", "neon", "cuda"); throws E_ISA_UNAVAILABLE when
// the name is unknown or this machine or build cannot run it.
Isa resolve_isa(const std::string& name);

class ThreadPool;

class Engine {
 public:
  Engine();
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs one op. inputs may hold nullptr for omitted optional inputs. Outputs
  // whose bytes together exceed max_output_bytes are refused (E_MEMORY_LIMIT)
  // before anything is allocated.
  std::vector<Tensor> run_op(const std::string& op, const std::vector<const Tensor*>& inputs,
                             const Attrs& attrs, Isa isa, int threads, int64_t max_output_bytes = kMaxBytes);

  // The compute table of one backend (E_INTERNAL if the build left an op out).
  // A Program takes it once per run and indexes it by each node's OpId.
  const ComputeTable& computes(Isa isa) const;

  // Runs one compute into preallocated outputs of exactly the dtypes and shapes
  // infer_op gives for these inputs, with the Params that infer kept (the
  // Program executor's step: it validated and inferred the node when it was
  // built). Same strict fp environment and thread pool as run_op; checks no
  // guard bytes. control (may be null) is checked at chunk boundaries inside the op.
  void compute_into(const ComputeTable& computes, OpId op, const std::vector<const Tensor*>& inputs, const Attrs& attrs,
                    const Params& params, int threads, std::vector<Tensor>& outputs,
                    const RunControl* control = nullptr);

  int hardware_threads() const;

 private:
  std::unique_ptr<ThreadPool> pool_;
};

// Names of every op (native/ops/op_list.h), sorted; the same list for every ISA.
std::vector<std::string> op_names();
// The ops the self-test covers: op_names() less AIVM_OPS_OUTSIDE_SELFTEST (ops/op_list.h).
std::vector<std::string> selftest_op_names();
// The ops one backend's compute table holds (tests check it equals op_names()).
std::vector<std::string> op_names_for(Isa isa);

// For each op, the inputs whose data its shape inference reads (Reshape's
// shape, Slice's starts/ends/axes/steps, ...); only dtype and shape matter for
// all the others.
std::map<std::string, std::vector<int>> op_data_inputs();

// Runs only op's shape inference (with run_op's argument checks): the dtype and
// shape of every output. Inputs outside op_data_inputs()[op] are never read and
// may have data == nullptr; those inside it need their data (E_ARG otherwise).
std::vector<TensorSpec> infer_op(const std::string& op, const std::vector<const Tensor*>& inputs, const Attrs& attrs);
// The same for an op already resolved (find_op); the parameters infer works
// out for compute (ops/op.h Params) go to *kept when given.
std::vector<TensorSpec> infer_op(OpId op, const std::vector<const Tensor*>& inputs, const Attrs& attrs,
                                 Params* kept = nullptr);

// Throws E_THREADS unless 1 <= threads <= kMaxThreads.
void check_threads(int threads);

}  // namespace aivm
