// The op interface every backend implements. An op is two functions: infer
// (validate inputs and attributes, return output dtypes and shapes, allocate
// nothing) and compute (fill preallocated outputs). Keeping them apart lets the
// runtime plan memory before running and refuse oversized runs early.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "aivm/attrs.h"
#include "aivm/error.h"
#include "aivm/run_control.h"
#include "aivm/tensor.h"

namespace aivm {

class ThreadPool;

using OutputSpec = TensorSpec;

struct OpContext {
  const char* op;
  const std::vector<const Tensor*>& inputs;
  const Attrs& attrs;
  ThreadPool* pool;
  int threads;
  // The run's deadline and cancellation flag (null: none). parallel_for checks
  // it between pieces of work; ops with long serial loops call check_stop().
  const RunControl* control = nullptr;

  size_t num_inputs() const { return inputs.size(); }
  // Throws E_ARITY when input i is missing.
  const Tensor& input(size_t i) const;
  // nullptr when input i was omitted (ONNX optional inputs).
  const Tensor* optional(size_t i) const { return i < inputs.size() ? inputs[i] : nullptr; }

  // Splits [0, n) into contiguous chunks run on the engine threads. Callers may
  // only split independent outputs: a chunk never shares a reduction with another.
  void parallel_for(int64_t n, int64_t min_chunk,
                    const std::function<void(int64_t, int64_t)>& body) const;
  // Throws E_CANCELLED / E_TIMEOUT when the run must stop.
  void check_stop() const {
    if (control) control->check();
  }
};

using InferFn = std::vector<OutputSpec> (*)(const OpContext&);
using ComputeFn = void (*)(const OpContext&, std::vector<Tensor>&);

struct OpKernel {
  std::string name;
  int min_inputs;
  int max_inputs;
  std::vector<std::string> attrs;  // every attribute the op accepts
  InferFn infer;
  ComputeFn compute;
  // Inputs whose DATA infer reads (Reshape's shape, Slice's starts, ...). Every
  // other input matters to infer only through its dtype and shape, so a
  // Program can infer and plan a whole graph before any activation exists.
  std::vector<int> data_inputs = {};
};

// One table per ISA; every table holds the same op names (checked by tests).
class OpTable {
 public:
  // Out of line (core/engine.cc, baseline flags): inlined into the ISA
  // libraries, the map's insertion code would be compiled with AVX there.
  void add(OpKernel kernel);
  const OpKernel* find(const std::string& name) const {
    auto it = kernels_.find(name);
    return it == kernels_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& kv : kernels_) out.push_back(kv.first);
    return out;
  }

 private:
  std::map<std::string, OpKernel> kernels_;
};

}  // namespace aivm
