// The ops layer: what an op IS, independent of any backend. An op has a
// contract, written once here and compiled once (native/ops/<family>.cc):
// arity, accepted attributes, which inputs infer reads the data of, and infer
// (validate inputs and attributes, return output dtypes and shapes, allocate
// nothing, and keep what compute needs as typed Params). Backends (native/cpu, native/cuda) supply only compute (fill
// preallocated outputs), one table per backend indexed by OpId. Keeping infer
// and compute apart lets a Program plan memory before running and refuse
// oversized runs early.
#pragma once
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aivm/attrs.h"
#include "aivm/error.h"
#include "aivm/run_control.h"
#include "aivm/tensor.h"
#include "ops/op_id.h"

namespace aivm {

class ThreadPool;

using OutputSpec = TensorSpec;

// What an op's infer worked out from its attributes and input shapes (a typed
// struct of ops/<family>.h: GemmDims, PoolGeom, ...), kept with the node so that
// compute never reads an attribute again: a Program keeps one per node from
// build to destruction, runOp one per call. Immutable once made, so runs on
// several threads share it.
class Params {
 public:
  template <class P> static Params of(P value) {
    Params p;
    p.ptr_ = std::make_shared<const P>(std::move(value));
    p.type_ = &type_tag<P>;
    return p;
  }
  // The struct, or nullptr when none was kept or it has another type.
  template <class P> const P* get() const { return type_ == &type_tag<P> ? static_cast<const P*>(ptr_.get()) : nullptr; }

 private:
  // One address per type, program-wide (an inline variable): the type check.
  // Not const, so no linker folds two types' tags into one read-only constant.
  template <class P> static inline char type_tag = 0;
  std::shared_ptr<const void> ptr_;
  const void* type_ = nullptr;
};

struct OpContext {
  const char* op;
  const std::vector<const Tensor*>& inputs;
  const Attrs& attrs;
  ThreadPool* pool;
  int threads;
  // The run's deadline and cancellation flag (null: none). parallel_for checks
  // it between pieces of work; ops with long serial loops call check_stop().
  const RunControl* control = nullptr;
  // Infer stores its parameters here (keep); compute reads them (params). The
  // engine sets the first while inferring and the second while computing.
  Params* kept = nullptr;
  const Params* params = nullptr;

  template <class P> void keep(P value) const {
    if (kept) *kept = Params::of(std::move(value));
  }
  // The parameters infer kept for this node; E_INTERNAL if it kept none of type P.
  template <class P> const P& params_as() const {
    const P* p = params ? params->template get<P>() : nullptr;
    if (!p) missing_params();
    return *p;
  }
  [[noreturn]] void missing_params() const;

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

struct OpContract {
  int min_inputs = 0;
  int max_inputs = 0;
  std::vector<std::string> attrs;  // every attribute the op accepts
  InferFn infer = nullptr;
  // Inputs whose DATA infer reads (Reshape's shape, Slice's starts, ...). Every
  // other input matters to infer only through its dtype and shape, so a
  // Program can infer and plan a whole graph before any activation exists.
  std::vector<int> data_inputs = {};
};

// Filled by the family files' add_<family>_contracts (ops/families.h).
class ContractTable {
 public:
  void add(OpId op, OpContract contract);
  const OpContract& operator[](OpId op) const { return contracts_[size_t(op)]; }

 private:
  std::array<OpContract, kOpCount> contracts_{};
};

// The contract of every op (built once; safe to share between threads). Building
// it checks that every op of op_list.h got exactly one contract.
const OpContract& op_contract(OpId op);

// A backend's computes, one per op. Built once per backend (and per ISA) by its
// family files; the engine checks it is complete (every op of op_list.h).
class ComputeTable {
 public:
  void add(OpId op, ComputeFn fn);
  ComputeFn operator[](OpId op) const { return fns_[size_t(op)]; }

 private:
  std::array<ComputeFn, kOpCount> fns_{};
};

}  // namespace aivm
